// Access control in a framework server over HTTP, both eras with the official SDK client: lists are filtered by
// the same decision that refuses calls, reads, gets, completions and subscriptions, and a hidden item is refused
// exactly like a missing one. Argument constraints, validity windows, max calls, scopes; identity only from the
// principal; and the server keeps serving after every refusal.
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, type HttpHandle, type McplexServer } from '../../src/index.js';
import { collect } from '../server/features-fixture.js';
import { afterRetryHint, buildPolicyServer, connectAs, type Failure, failure, firstRefusal } from './policy-fixture.js';

let handle: HttpHandle;
let server: McplexServer;
beforeAll(async () => {
  server = buildPolicyServer();
  handle = await server.serveHttp({ port: 0 });
});
afterAll(() => handle.close());

/** The same error with the item's name taken out, to compare a hidden item's refusal with a missing one's. */
const shape = (e: Failure | undefined, name: string) =>
  e && { code: e.code, message: e.message.replaceAll(name, '<name>'), data: JSON.parse(JSON.stringify(e.data ?? null).replaceAll(name, '<name>')) };

describe.each(['legacy', 'modern'] as const)('access control, %s era', (era) => {
  const clients: Client[] = [];
  let alice: Client;
  let bob: Client;
  let anon: Client;
  beforeAll(async () => {
    alice = await connectAs(handle.url, era, 'alice');
    bob = await connectAs(handle.url, era, 'bob');
    anon = await connectAs(handle.url, era);
    clients.push(alice, bob, anon);
  });
  afterAll(() => Promise.allSettled(clients.map((c) => c.close())));

  it('lists only what the principal may use', async () => {
    expect((await alice.listTools()).tools.map((t) => t.name).sort()).toEqual(['counter', 'files__read', 'ns__public', 'search', 'whoami']);
    expect((await alice.listResources()).resources.map((r) => r.uri)).toEqual(['note://public']);
    expect((await alice.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate)).toEqual(['note://items/{id}']);
    expect((await alice.listPrompts()).prompts.map((p) => p.name)).toEqual(['greet']);
    expect((await anon.listTools()).tools.map((t) => t.name)).toEqual(['whoami']);
    expect((await anon.listPrompts()).prompts).toEqual([]);
  });

  it('refuses a hidden tool exactly as an unknown one', async () => {
    const hidden = await failure(alice.callTool({ name: 'ns__secret', arguments: {} }));
    const unknown = await failure(alice.callTool({ name: 'ns__nope', arguments: {} }));
    expect(hidden).toMatchObject({ code: ErrorCode.InvalidParams });
    expect(hidden?.message).toContain('Unknown tool: ns__secret');
    expect(shape(hidden, 'ns__secret')).toEqual(shape(unknown, 'ns__nope'));
  });

  it('refuses a hidden resource, prompt and completion exactly as missing ones', async () => {
    const read = shape(await failure(alice.readResource({ uri: 'note://secret' })), 'note://secret');
    expect(read).toMatchObject({ code: ErrorCode.InvalidParams });
    expect(read).toEqual(shape(await failure(alice.readResource({ uri: 'note://missing' })), 'note://missing'));
    const get = shape(await failure(alice.getPrompt({ name: 'internal', arguments: { name: 'x' } })), 'internal');
    expect(get).toMatchObject({ code: ErrorCode.InvalidParams });
    expect(get).toEqual(shape(await failure(alice.getPrompt({ name: 'nope', arguments: { name: 'x' } })), 'nope'));
    const complete = (name: string) => alice.complete({ ref: { type: 'ref/prompt', name }, argument: { name: 'name', value: '' } });
    expect(await failure(complete('internal'))).toMatchObject({ code: ErrorCode.InvalidParams, message: expect.stringContaining('Unknown prompt: internal') });
    expect(shape(await failure(complete('internal')), 'internal')).toEqual(shape(await failure(complete('nope')), 'nope'));
    expect((await complete('greet')).completion.values).toEqual(['ann']);
    const completeTemplate = (uri: string) => alice.complete({ ref: { type: 'ref/resource', uri }, argument: { name: 'id', value: '' } });
    expect(await failure(completeTemplate('note://hidden/{id}'))).toMatchObject({ code: ErrorCode.InvalidParams });
    expect(shape(await failure(completeTemplate('note://hidden/{id}')), 'note://hidden/{id}')).toEqual(shape(await failure(completeTemplate('note://nope/{id}')), 'note://nope/{id}'));
    expect((await completeTemplate('note://items/{id}')).completion.values).toEqual(['1', '2']);
  });

  it('reads what it may, through a template too', async () => {
    expect((await alice.readResource({ uri: 'note://public' })).contents[0]).toMatchObject({ text: 'public note://public' });
    expect((await alice.readResource({ uri: 'note://items/7' })).contents[0]).toMatchObject({ text: 'item note://items/7' });
    expect(await failure(alice.readResource({ uri: 'note://hidden/7' }))).toMatchObject({ code: ErrorCode.InvalidParams });
  });

  it('enforces argument constraints with Forbidden naming the argument', async () => {
    expect((await alice.callTool({ name: 'files__read', arguments: { path: '/srv/data/a/b.txt' } })).content).toEqual([{ type: 'text', text: 'read /srv/data/a/b.txt' }]);
    for (const path of ['/etc/passwd', '/srv/data/../../etc/passwd', '/srv/database']) {
      const refused = await failure(alice.callTool({ name: 'files__read', arguments: { path } }));
      expect(refused).toMatchObject({ code: ErrorCode.Forbidden });
      expect(refused?.message).toContain("argument 'path' must match");
    }
    expect((await alice.callTool({ name: 'search', arguments: { q: 'x', limit: 100 } })).isError).toBeFalsy();
    expect(await failure(alice.callTool({ name: 'search', arguments: { q: 'x', limit: 101 } }))).toMatchObject({
      code: ErrorCode.Forbidden,
      message: expect.stringContaining("argument 'limit' must be at most 100"),
    });
  });

  it('honours validity windows: an expired or not-yet-valid capability is as if absent', async () => {
    expect((await bob.listTools()).tools.map((t) => t.name).sort()).toEqual(['notes__write', 'whoami']);
    expect(await failure(bob.callTool({ name: 'ns__secret', arguments: {} }))).toMatchObject({ code: ErrorCode.InvalidParams, message: expect.stringContaining('Unknown tool') });
    expect(await failure(bob.callTool({ name: 'ns__public', arguments: {} }))).toMatchObject({ code: ErrorCode.InvalidParams, message: expect.stringContaining('Unknown tool') });
  });

  it("a tool's declared scopes: Forbidden naming the missing scope, with an insufficient_scope hint", async () => {
    const refused = await failure(bob.callTool({ name: 'notes__write', arguments: {} }));
    expect(refused).toMatchObject({ code: ErrorCode.Forbidden, data: { error: 'insufficient_scope', scope: 'notes:write notes:admin', missing: ['notes:admin'] } });
    expect(refused?.message).toContain("'notes:admin'");
  });

  it('takes identity only from the principal, never from arguments or _meta', async () => {
    const smuggled = { name: 'whoami', arguments: { user_id: 'admin' }, _meta: { principal: 'admin', 'x-test-principal': 'admin', tenant: 'acme', user: 'admin' } };
    expect((await anon.callTool(smuggled)).content).toEqual([{ type: 'text', text: 'anonymous' }]);
    expect(await failure(anon.callTool({ ...smuggled, name: 'ns__secret' }))).toMatchObject({ code: ErrorCode.InvalidParams });
    expect((await anon.listTools({ _meta: { principal: 'admin' } })).tools.map((t) => t.name)).toEqual(['whoami']);
  });

  it('keeps serving after refusals', async () => {
    for (let i = 0; i < 5; i++) await failure(anon.callTool({ name: 'ns__secret', arguments: {} }));
    expect((await alice.callTool({ name: 'whoami', arguments: {} })).content).toEqual([{ type: 'text', text: 'alice' }]);
    expect((await anon.callTool({ name: 'whoami', arguments: {} })).content).toEqual([{ type: 'text', text: 'anonymous' }]);
  });
});

describe('subscriptions to hidden resources', () => {
  it('2025 era: subscribing to a hidden URI answers like an unknown one, and no update of it ever arrives', async () => {
    const alice = await connectAs(handle.url, 'legacy', 'alice');
    try {
      const updates = collect<{ uri: string }>(alice, 'notifications/resources/updated');
      expect(await alice.subscribeResource({ uri: 'note://secret' })).toEqual(await alice.subscribeResource({ uri: 'note://missing' }));
      await alice.subscribeResource({ uri: 'note://public' });
      server.resourceUpdated('note://secret');
      server.resourceUpdated('note://public');
      // Updates travel in order on the session's stream: had the hidden one been delivered, it would come first.
      await updates.waitFor(1);
      expect(updates.items).toEqual([{ uri: 'note://public' }]);
    } finally {
      await alice.close();
    }
  });

  it('2026 era: a listen is narrowed to what the principal may read; updates of hidden URIs never arrive', async () => {
    const alice = await connectAs(handle.url, 'modern', 'alice');
    try {
      const updates = collect<{ uri: string }>(alice, 'notifications/resources/updated');
      const sub = await alice.listen({ resourceSubscriptions: ['note://secret', 'note://public'] });
      expect(sub.honoredFilter).toEqual({ resourceSubscriptions: ['note://public'] });
      server.resourceUpdated('note://secret');
      server.resourceUpdated('note://public');
      await updates.waitFor(1);
      expect(updates.items.map((u) => u.uri)).toEqual(['note://public']);
      await sub.close();
    } finally {
      await alice.close();
    }
  });
});

describe('max calls per window and rate limits (framework)', () => {
  it("a capability's maxCalls refuses with RateLimited and a retry-after hint", async () => {
    const alice = await connectAs(handle.url, 'legacy', 'alice');
    try {
      await alice.callTool({ name: 'counter', arguments: {} });
      await alice.callTool({ name: 'counter', arguments: {} });
      const refused = await failure(alice.callTool({ name: 'counter', arguments: {} }));
      expect(refused).toMatchObject({ code: ErrorCode.RateLimited, data: { limit: 'capability' } });
      expect((refused?.data as { retryAfterMs?: number } | undefined)?.retryAfterMs).toBeGreaterThan(0);
      // Another principal's allowance is its own (bob has no access to it at all: hidden, not limited).
      expect(await failure(alice.callTool({ name: 'whoami', arguments: {} }))).toBeUndefined();
    } finally {
      await alice.close();
    }
  });

  it('a per-principal rate limit refuses with retry-after, then recovers', async () => {
    const alice = await connectAs(handle.url, 'modern', 'alice');
    try {
      const call = () => failure(alice.callTool({ name: 'ns__public', arguments: {} }));
      const refused = await firstRefusal(call);
      expect(refused).toMatchObject({ code: ErrorCode.RateLimited, data: { limit: 'rate' } });
      const wait = (refused.data as { retryAfterMs: number }).retryAfterMs;
      expect(wait).toBeGreaterThan(0);
      expect(wait).toBeLessThanOrEqual(400);
      // After the moment the hint names, a call goes through again.
      expect(await afterRetryHint(refused, call)).toBeUndefined();
    } finally {
      await alice.close();
    }
  });
});
