// 2026-07-28 features where the transport matters, over Streamable HTTP on 127.0.0.1: subscriptions/listen for
// list_changed and resource updates, MRTR across per-request server instances, progress and cancellation.
import type { Client, ElicitResult } from '@modelcontextprotocol/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/core/index.js';
import type { HttpHandle, McplexServer } from '../../src/server/index.js';
import { buildServer, collect, httpClient, type Observed, within } from './features-fixture.js';

let server: McplexServer;
let seen: Observed;
let http: HttpHandle;
const clients: Client[] = [];

beforeEach(async () => {
  ({ server, seen } = buildServer());
  http = await server.serveHttp({ port: 0, shutdownGraceMs: 2_000 });
});
afterEach(async () => {
  await Promise.allSettled(clients.splice(0).map((c) => c.close()));
  await http.close();
});

async function connect(capabilities: Record<string, unknown> = {}): Promise<Client> {
  const c = await httpClient(http.url, 'modern', capabilities);
  clients.push(c);
  expect(c.getProtocolEra()).toBe('modern');
  return c;
}

describe('modern era over HTTP', () => {
  it('discovers the server', async () => {
    const client = await connect();
    const d = await client.discover();
    expect(d.supportedVersions).toContain('2026-07-28');
    expect(d.capabilities.resources).toMatchObject({ subscribe: true, listChanged: true });
  });

  it('listen({ toolsListChanged }) receives tools/list_changed when a tool is added and removed', async () => {
    const client = await connect();
    const changed = collect(client, 'notifications/tools/list_changed');
    const sub = await within(client.listen({ toolsListChanged: true }), 'the listen acknowledgement');
    expect(sub.honoredFilter).toMatchObject({ toolsListChanged: true });
    const reg = server.tool('late', { description: 'Added later' }, () => 'late');
    await changed.waitFor(1);
    expect((await client.listTools({}, { cacheMode: 'bypass' })).tools.map((t) => t.name)).toContain('late');
    reg.remove();
    await changed.waitFor(2);
    expect((await client.listTools({}, { cacheMode: 'bypass' })).tools.map((t) => t.name)).not.toContain('late');
    await sub.close();
    expect(await within(sub.closed, 'the subscription to close')).toBe('local');
  });

  it('listen({ resourceSubscriptions }) receives resources/updated only for the listed URIs', async () => {
    const client = await connect();
    const updates = collect<{ uri: string }>(client, 'notifications/resources/updated');
    const sub = await within(client.listen({ resourceSubscriptions: ['mem://greeting'] }), 'the listen acknowledgement');
    expect(sub.honoredFilter.resourceSubscriptions).toEqual(['mem://greeting']);
    server.resourceUpdated('mem://elsewhere');
    server.resourceUpdated('mem://greeting');
    await updates.waitFor(1);
    expect(updates.items[0]).toMatchObject({ uri: 'mem://greeting' });
    server.resourceUpdated('mem://greeting');
    await updates.waitFor(2);
    expect(updates.items.map((u) => u.uri)).toEqual(['mem://greeting', 'mem://greeting']);
    await sub.close();
  });

  it('MRTR elicitation works across per-request server instances (two questions, state replayed)', async () => {
    const client = await connect({ elicitation: { form: {} } });
    const asked: string[] = [];
    client.setRequestHandler('elicitation/create', async (req): Promise<ElicitResult> => {
      asked.push(req.params.message);
      return req.params.message === 'Your name?' ? { action: 'accept', content: { name: 'Grace' } } : { action: 'accept', content: { ok: true } };
    });
    const r = await within(client.callTool({ name: 'two_questions', arguments: {} }), 'two_questions over HTTP');
    expect(r.content).toEqual([{ type: 'text', text: 'hello Grace, ok=true' }]);
    expect(asked).toEqual(['Your name?', 'Really Grace?']);
    expect(seen.twoQuestionRuns).toBe(3);
  });

  it('progress is delivered on the request stream', async () => {
    const client = await connect();
    const progress: number[] = [];
    const r = await client.callTool({ name: 'slow', arguments: { steps: 3 } }, { onprogress: (p) => progress.push(p.progress) });
    expect(r.content).toEqual([{ type: 'text', text: 'done 3' }]);
    expect(progress).toEqual([1, 2, 3]);
  });

  it('middleware refusal keeps its code over HTTP', async () => {
    const client = await connect();
    await expect(client.callTool({ name: 'forbidden', arguments: {} })).rejects.toMatchObject({ code: ErrorCode.Forbidden });
    expect(seen.middleware).toContainEqual({ method: 'tools/call', target: 'forbidden', era: 'modern' });
  });

  it('cancellation closes the request stream and aborts the handler signal', async () => {
    const client = await connect();
    const ac = new AbortController();
    const call = client.callTool({ name: 'wait_for_cancel', arguments: {} }, { signal: ac.signal });
    await within(seen.waitStarted.promise, 'the handler to start');
    ac.abort('modern http stop');
    await expect(call).rejects.toThrow();
    expect(await within(seen.waitAborted.promise, 'the server to observe the abort')).toBeDefined();
  });
});
