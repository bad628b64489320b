// Framework features on the 2026-07-28 era (no initialize; server/discover, per-request envelope) through
// connectInMemory: tool metadata, structured output, progress, logging, middleware, listen, resources, prompts.
import { type Client, ProtocolError, ResourceNotFoundError } from '@modelcontextprotocol/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/core/index.js';
import { connectInMemory, type McplexServer } from '../../src/server/index.js';
import { buildServer, collect, type Observed, WEATHER_ICON, within } from './features-fixture.js';

let server: McplexServer;
let seen: Observed;
let client: Client;

beforeEach(async () => {
  ({ server, seen } = buildServer({ listPageSize: 3 }));
  client = await connectInMemory(server, { era: 'modern' });
});
afterEach(async () => {
  await client.close();
});

describe('modern era (2026-07-28) in memory', () => {
  it('negotiates the modern era through server/discover', async () => {
    expect(client.getProtocolEra()).toBe('modern');
    expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
    const discovered = await client.discover();
    expect(discovered.supportedVersions).toContain('2026-07-28');
    // 2026-07-28 carries serverInfo in the result _meta envelope, not as a top-level field.
    expect(client.getServerVersion()).toMatchObject({ name: 'features', version: '1.2.3' });
    expect(discovered.capabilities).toMatchObject({ tools: { listChanged: true }, prompts: {}, completions: {} });
    expect(client.getDiscoverResult()).toMatchObject({ supportedVersions: expect.arrayContaining(['2026-07-28']) });
  });

  it('advertises title, annotations, icons and outputSchema', async () => {
    const { tools } = await client.listTools();
    expect(tools.find((t) => t.name === 'weather')).toMatchObject({
      title: 'Weather',
      annotations: { readOnlyHint: true, openWorldHint: false },
      icons: [WEATHER_ICON],
      outputSchema: { type: 'object', properties: { city: { type: 'string' }, tempC: { type: 'number' } } },
    });
  });

  it('returns structuredContent and reports the handler era as modern', async () => {
    const r = await client.callTool({ name: 'weather', arguments: { city: 'Lima' } });
    expect(r.isError).toBeFalsy();
    expect(r.structuredContent).toEqual({ city: 'Lima', tempC: 21.5 });
    expect(seen.handlerEras).toEqual(['modern']);
  });

  it('turns output that breaks the output schema into an isError result', async () => {
    const r = await client.callTool({ name: 'bad_output', arguments: {} });
    expect(r.isError).toBe(true);
    expect((r.content as Array<{ text: string }>)[0]!.text).toMatch(/does not match its outputSchema/);
  });

  it('middleware sees era=modern and its WireError code reaches the client', async () => {
    const err = await client.callTool({ name: 'forbidden', arguments: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err).toMatchObject({ code: ErrorCode.Forbidden, data: { tool: 'forbidden' } });
    await client.getPrompt({ name: 'greet', arguments: { name: 'Ada' } });
    expect(seen.middleware).toContainEqual({ method: 'tools/call', target: 'forbidden', era: 'modern' });
    expect(seen.middleware).toContainEqual({ method: 'prompts/get', target: 'greet', era: 'modern' });
  });

  it('delivers progress notifications to onprogress', async () => {
    const progress: Array<{ progress: number; total?: number; message?: string }> = [];
    await client.callTool({ name: 'slow', arguments: { steps: 2 } }, { onprogress: (p) => progress.push(p) });
    expect(progress).toEqual([
      { progress: 1, total: 2, message: 'step 1' },
      { progress: 2, total: 2, message: 'step 2' },
    ]);
  });

  it('sends log notifications at the per-request envelope log level, and none without one', async () => {
    const logs = collect<{ level: string; data: unknown }>(client, 'notifications/message');
    await client.callTool({ name: 'chatty', arguments: {} });
    expect(logs.items).toEqual([]);
    await client.callTool({ name: 'chatty', arguments: {}, _meta: { 'io.modelcontextprotocol/logLevel': 'info' } });
    await logs.waitFor(1);
    expect(logs.items).toEqual([{ level: 'warning', data: { note: 'disk almost full' } }]);
  });

  it('cancellation: aborting the client signal aborts the handler signal', async () => {
    const ac = new AbortController();
    const call = client.callTool({ name: 'wait_for_cancel', arguments: {} }, { signal: ac.signal });
    await within(seen.waitStarted.promise, 'the handler to start');
    ac.abort('modern stop');
    await expect(call).rejects.toThrow();
    expect(await within(seen.waitAborted.promise, 'the server to observe the abort')).toBeDefined();
  });

  it('listen() in memory: filtered list_changed and resources/updated on the subscription', async () => {
    const tools = collect<Record<string, unknown>>(client, 'notifications/tools/list_changed');
    const updates = collect<{ uri: string }>(client, 'notifications/resources/updated');
    server.tool('before_listen', { description: 'not announced: nobody listens yet' }, () => 'x');
    const sub = await within(client.listen({ toolsListChanged: true, resourceSubscriptions: ['mem://greeting'] }), 'the listen acknowledgement');
    expect(sub.honoredFilter).toEqual({ toolsListChanged: true, resourceSubscriptions: ['mem://greeting'] });
    server.tool('after_listen', { description: 'announced' }, () => 'x');
    server.resourceUpdated('mem://other');
    server.resourceUpdated('mem://greeting');
    await tools.waitFor(1);
    await updates.waitFor(1);
    await client.listTools(); // one more round trip so that stray notifications would have arrived
    expect(tools.items).toHaveLength(1);
    expect(updates.items.map((u) => u.uri)).toEqual(['mem://greeting']);
    await sub.close();
  });

  it('reads resources and templates and completes template variables', async () => {
    const fixed = await client.readResource({ uri: 'mem://greeting' });
    expect(fixed.contents[0]).toMatchObject({ text: 'hello' });
    const profile = await client.readResource({ uri: 'users://bob/profile' });
    expect(JSON.parse((profile.contents[0] as { text: string }).text)).toEqual({ id: 'bob' });
    const c = await client.complete({ ref: { type: 'ref/resource', uri: 'users://{id}/profile' }, argument: { name: 'id', value: 'b' } });
    expect(c.completion.values).toEqual(['bob']);
    await expect(client.readResource({ uri: 'mem://missing' })).rejects.toBeInstanceOf(ResourceNotFoundError);
  });

  it('renders and completes prompts with arguments', async () => {
    const p = await client.getPrompt({ name: 'greet', arguments: { name: 'Grace' } });
    expect(p.messages).toEqual([{ role: 'user', content: { type: 'text', text: 'Greet Grace' } }]);
    const c = await client.complete({
      ref: { type: 'ref/prompt', name: 'greet' },
      argument: { name: 'name', value: 'G' },
      context: { arguments: { style: 'warmly' } },
    });
    expect(c.completion).toEqual({ values: ['Grace'], total: 1, hasMore: false });
  });

  it('paginates with listPageSize (raw pages and the aggregated walk)', async () => {
    const all = (await client.listTools()).tools.map((t) => t.name);
    expect(all.length).toBeGreaterThan(6);
    expect(all.slice(0, 3)).toEqual(['weather', 'bad_output', 'forbidden']);
    const first = await client.request({ method: 'tools/list', params: {} });
    expect(first.tools.map((t) => t.name)).toEqual(all.slice(0, 3));
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await client.request({ method: 'tools/list', params: { cursor: first.nextCursor! } });
    expect(second.tools.map((t) => t.name)).toEqual(all.slice(3, 6));
  });
});
