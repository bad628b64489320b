// The input-request API on 2026-07-28 (SDK client pinned; in memory and over Streamable HTTP on 127.0.0.1): the
// same handlers as the 2025-era tests, answered through input_required rounds the SDK client fulfils itself.
import { type Client, ProtocolError } from '@modelcontextprotocol/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectInMemory, type HttpHandle, type McplexServer } from '../../src/server/index.js';
import { httpClient } from './features-fixture.js';
import { ALL_CAPS, answerAll, buildInputServer, type InputSeen, textOf } from './input-fixture.js';

let server: McplexServer;
let seen: InputSeen;
let http: HttpHandle | undefined;
const clients: Client[] = [];

beforeEach(() => {
  ({ server, seen } = buildInputServer());
});
afterEach(async () => {
  await Promise.allSettled(clients.splice(0).map((c) => c.close()));
  await http?.close();
  http = undefined;
});

const transports = {
  'in memory': (caps: Record<string, unknown>) => connectInMemory(server, { era: 'modern', capabilities: caps }),
  HTTP: async (caps: Record<string, unknown>) => {
    http ??= await server.serveHttp({ port: 0, shutdownGraceMs: 2_000 });
    return httpClient(http.url, 'modern', caps);
  },
};

describe.each(Object.keys(transports) as Array<keyof typeof transports>)('2026-07-28 input over %s', (transport) => {
  async function connect(caps: Record<string, unknown> = ALL_CAPS): Promise<Client> {
    const client = await transports[transport](caps);
    clients.push(client);
    expect(client.getProtocolEra()).toBe('modern');
    return client;
  }

  it('ctx.input() asks for a form, a sampling completion and the roots in one round, with typed answers', async () => {
    const client = await connect();
    const answered = answerAll(client);
    const r = await client.callTool({ name: 'trip', arguments: {} });
    expect(textOf(r)).toBe('Hello Ada; roots: file:///work/project');
    expect([...answered.asked].sort()).toEqual(['elicit:What is your name?', 'roots', 'sample']);
    expect(seen.runs.trip).toBe(2); // one input_required round for all three, then the answer
  });

  it('ctx.roots() is a roots/list input request', async () => {
    const client = await connect();
    const answered = answerAll(client);
    expect(textOf(await client.callTool({ name: 'roots', arguments: {} }))).toBe('project=file:///work/project');
    expect(answered.asked).toEqual(['roots']);
    expect(seen.runs.roots).toBe(2);
  });

  it('asking a client that did not declare roots is MissingRequiredClientCapability (-32021)', async () => {
    const client = await connect({ elicitation: { form: {} } });
    const err = await client.callTool({ name: 'roots', arguments: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err).toMatchObject({ code: -32021, data: { requiredCapabilities: { roots: {} } } });
  });

  it('ctx.clientCapabilities is what the request envelope declares', async () => {
    const client = await connect({ sampling: {}, roots: { listChanged: true } });
    const r = await client.callTool({ name: 'caps', arguments: {} });
    expect(r.structuredContent).toEqual({ caps: { sampling: {}, roots: { listChanged: true } } });
  });

  it('a handler can ask only for what the caller declared', async () => {
    const samplingOnly = await connect({ sampling: {} });
    const answered = answerAll(samplingOnly, { sampling: {} });
    expect(textOf(await samplingOnly.callTool({ name: 'polite', arguments: {} }))).toBe('sampled: Hello');
    expect(answered.asked).toEqual(['sample']);
    const withForms = await connect({ elicitation: { form: {} } });
    answerAll(withForms, { elicitation: {} });
    expect(textOf(await withForms.callTool({ name: 'polite', arguments: {} }))).toBe('asked: Ada');
  });

  it('two steps with the same input name are two questions (an answer is used by the step that asked)', async () => {
    const client = await connect();
    const answered = answerAll(client);
    expect(textOf(await client.callTool({ name: 'twice', arguments: {} }))).toBe('first=true second=decline');
    expect(answered.asked).toEqual(['elicit:First?', 'elicit:Second?']);
    expect(seen.runs.twice).toBe(3);
  });

  it('a prompt can ask for input too', async () => {
    const client = await connect();
    answerAll(client);
    const r = await client.getPrompt({ name: 'with_context' });
    expect(r.messages).toEqual([{ role: 'user', content: { type: 'text', text: 'Use the repo' } }]);
  });
});
