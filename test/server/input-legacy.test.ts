// The input-request API on 2025-era sessions (in memory, as over stdio, and over Streamable HTTP on 127.0.0.1):
// several inputs in one ctx.input() call as real server→client requests, ctx.roots(), ctx.clientCapabilities.
import type { Client, ElicitResult } from '@modelcontextprotocol/client';
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
  'in memory': (caps: Record<string, unknown>) => connectInMemory(server, { capabilities: caps }),
  'HTTP session': async (caps: Record<string, unknown>) => {
    http ??= await server.serveHttp({ port: 0, shutdownGraceMs: 2_000 });
    return httpClient(http.url, 'legacy', caps);
  },
};

describe.each(Object.keys(transports) as Array<keyof typeof transports>)('2025-era input over %s', (transport) => {
  async function connect(caps: Record<string, unknown> = ALL_CAPS): Promise<Client> {
    const client = await transports[transport](caps);
    clients.push(client);
    expect(client.getProtocolEra()).toBe('legacy');
    return client;
  }

  it('ctx.input() asks for a form, a sampling completion and the roots in one call, with typed answers', async () => {
    const client = await connect();
    const answered = answerAll(client);
    const r = await client.callTool({ name: 'trip', arguments: {} });
    expect(textOf(r)).toBe('Hello Ada; roots: file:///work/project');
    expect([...answered.asked].sort()).toEqual(['elicit:What is your name?', 'roots', 'sample']);
    expect(seen.runs.trip).toBe(1);
  });

  it('when one input fails, the call reports it and the other requests are cancelled', async () => {
    const client = await connect();
    let elicitAborted!: () => void;
    const aborted = new Promise<void>((r) => {
      elicitAborted = r;
    });
    client.setRequestHandler('elicitation/create', (_req, ctx) => {
      return new Promise<ElicitResult>((resolve) => {
        ctx.mcpReq.signal.addEventListener('abort', () => {
          elicitAborted();
          resolve({ action: 'cancel' });
        });
      });
    });
    client.setRequestHandler('sampling/createMessage', async () => {
      throw new Error('no model available');
    });
    client.setRequestHandler('roots/list', async () => ({ roots: [] }));
    const r = await client.callTool({ name: 'trip', arguments: {} });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/^Could not request sampling from the client: .*no model available/);
    await aborted; // the pending form was withdrawn, not left open
  });

  it('ctx.roots() sends a real roots/list request', async () => {
    const client = await connect();
    const answered = answerAll(client);
    expect(textOf(await client.callTool({ name: 'roots', arguments: {} }))).toBe('project=file:///work/project');
    expect(answered.asked).toEqual(['roots']);
  });

  it('ctx.roots() from a client without the roots capability is an isError result that names it', async () => {
    const client = await connect({ elicitation: { form: {} } });
    const r = await client.callTool({ name: 'roots', arguments: {} });
    expect(r).toEqual({ content: [{ type: 'text', text: "Could not list the client's roots: Client does not support roots." }], isError: true });
  });

  it('ctx.clientCapabilities is what the client declared at initialize', async () => {
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

  it('two steps with the same input name are two questions', async () => {
    const client = await connect();
    const answered = answerAll(client);
    expect(textOf(await client.callTool({ name: 'twice', arguments: {} }))).toBe('first=true second=decline');
    expect(answered.asked).toEqual(['elicit:First?', 'elicit:Second?']);
  });

  it('a prompt can ask for input too', async () => {
    const client = await connect();
    answerAll(client);
    const r = await client.getPrompt({ name: 'with_context' });
    expect(r.messages).toEqual([{ role: 'user', content: { type: 'text', text: 'Use the repo' } }]);
  });
});
