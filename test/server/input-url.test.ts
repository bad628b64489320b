// URL-mode elicitation in the framework (`ctx.elicitUrl`, `ask.url`): the user is sent to a page outside the client.
// On 2025-era sessions a real `elicitation/create` in URL mode with an id, and `complete()` sends
// `notifications/elicitation/complete` for it; on 2026-07-28 an input_required round (no id, no notification).
// In memory and over Streamable HTTP on 127.0.0.1, with the official SDK client of each era.
import type { Client, ElicitResult } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import { ask, connectInMemory, createServer, type HttpHandle, type McplexServer, silentLogger } from '../../src/index.js';
import { collect, httpClient } from './features-fixture.js';

const PAGE = 'https://example.com/connect?account=1';
const text = (t: string) => ({ content: [{ type: 'text' as const, text: t }] });

function buildServer(): { server: McplexServer; runs: { connect: number } } {
  const runs = { connect: 0 };
  const server = createServer({ name: 'url-input', version: '1.0.0', logger: silentLogger });
  server.tool('connect', { description: 'Sends the user to a page to connect their account' }, async (_args, ctx) => {
    runs.connect++;
    const opened = await ctx.elicitUrl('Connect your account', PAGE);
    if (opened.action !== 'accept') return text(opened.action);
    // (Here a real server waits for its own callback from the page.)
    await opened.complete();
    return text('connected');
  });
  server.tool('connect_and_name', { description: 'A page and a form in one round' }, async (_args, ctx) => {
    const { page, who } = await ctx.input({ page: ask.url('Connect first', PAGE), who: ask.elicit('Name?', { type: 'object', properties: { name: { type: 'string' } } }) });
    return text(`${page.action}/${who.action === 'accept' ? who.content.name : who.action}`);
  });
  return { server, runs };
}

let http: HttpHandle | undefined;
const clients: Client[] = [];
afterEach(async () => {
  await Promise.allSettled(clients.splice(0).map((c) => c.close()));
  await http?.close();
  http = undefined;
});

type Era = 'legacy' | 'modern';
const connectVia = {
  'in memory': (server: McplexServer, era: Era, caps: Record<string, unknown>) => connectInMemory(server, { ...(era === 'modern' && { era }), capabilities: caps }),
  HTTP: async (server: McplexServer, era: Era, caps: Record<string, unknown>) => {
    http ??= await server.serveHttp({ port: 0, shutdownGraceMs: 2_000 });
    return httpClient(http.url, era, caps);
  },
};

/** A client that answers URL elicitations with `action` (and forms with a name), recording what it was asked. */
function answering(client: Client, action: 'accept' | 'decline') {
  const asked: Array<Record<string, unknown>> = [];
  client.setRequestHandler('elicitation/create', async (req): Promise<ElicitResult> => {
    const params = req.params as Record<string, unknown>;
    asked.push(params);
    if (params.mode === 'url') return { action };
    return { action: 'accept', content: { name: 'Ada' } };
  });
  return asked;
}

describe.each(Object.keys(connectVia) as Array<keyof typeof connectVia>)('ctx.elicitUrl over %s', (transport) => {
  async function connect(server: McplexServer, era: Era, caps: Record<string, unknown> = { elicitation: { form: {}, url: {} } }) {
    const client = await connectVia[transport](server, era, caps);
    clients.push(client);
    return client;
  }

  it('2025-era: a URL-mode request with an id; complete() tells the client the page is done', async () => {
    const { server, runs } = buildServer();
    const client = await connect(server, 'legacy');
    const asked = answering(client, 'accept');
    const completed = collect<{ elicitationId: string }>(client, 'notifications/elicitation/complete');
    expect((await client.callTool({ name: 'connect', arguments: {} })).content).toEqual([{ type: 'text', text: 'connected' }]);
    expect(asked).toEqual([{ mode: 'url', message: 'Connect your account', url: PAGE, elicitationId: expect.stringMatching(/^[0-9a-f-]{36}$/), _meta: expect.any(Object) }]);
    const [done] = await completed.waitFor(1);
    expect(done?.elicitationId).toBe(asked[0]?.elicitationId);
    expect(runs.connect).toBe(1);
  });

  it('2026-07-28: an input_required round in URL mode without an id; the handler runs again with the answer', async () => {
    const { server, runs } = buildServer();
    const client = await connect(server, 'modern');
    const asked = answering(client, 'accept');
    expect((await client.callTool({ name: 'connect', arguments: {} })).content).toEqual([{ type: 'text', text: 'connected' }]);
    expect(asked).toEqual([{ mode: 'url', message: 'Connect your account', url: PAGE }]);
    expect(runs.connect).toBe(2);
  });

  it.each(['legacy', 'modern'] as const)('%s: a declined page, and a page asked with a form in one round', async (era) => {
    const { server } = buildServer();
    const client = await connect(server, era);
    const asked = answering(client, 'decline');
    expect((await client.callTool({ name: 'connect', arguments: {} })).content).toEqual([{ type: 'text', text: 'decline' }]);
    expect((await client.callTool({ name: 'connect_and_name', arguments: {} })).content).toEqual([{ type: 'text', text: 'decline/Ada' }]);
    expect(asked.map((a) => a.mode ?? 'form').sort()).toEqual(['form', 'url', 'url']);
  });

  it.each(['legacy', 'modern'] as const)('%s: a client that did not declare URL elicitation is not sent anywhere', async (era) => {
    const { server } = buildServer();
    const client = await connect(server, era, { elicitation: { form: {} } });
    const asked = answering(client, 'accept');
    const outcome = await client.callTool({ name: 'connect', arguments: {} }).then(
      (r) => ({ result: r }),
      (e: { code?: number; data?: unknown }) => ({ error: e }),
    );
    if (era === 'modern') expect(outcome).toMatchObject({ error: { code: -32021, data: { requiredCapabilities: { elicitation: { url: {} } } } } });
    else expect(outcome).toMatchObject({ result: { isError: true, content: [{ text: expect.stringContaining('Could not ask the user to open a URL') }] } });
    expect(asked).toEqual([]);
  });
});
