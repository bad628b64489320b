// Who is connected: GET /admin/sessions lists the 2025-era sessions a gateway holds (caller, client address, the
// client's name and version, protocol, since when, active when) and POST /admin/sessions/close ends one as its
// client's DELETE would; the official SDK client then finds its session gone. Against a real gateway with API-key
// authentication and a real stdio upstream; the same from `mcplex admin`, on the admin page, and across two replicas
// through Redis (either lists both replicas' sessions; a close asked of the replica that does not hold the session is
// made by the one that does).
import { Client, SSEClientTransport, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ADMIN_SCOPE, Gateway, type HttpHandle, newApiKey, parseConfig, silentLogger } from '../../src/index.js';
import { openAdminPage } from '../helpers/admin-page.js';
import { RedisReplicaDirectory } from '../../src/stores/redis/replica-directory.js';
import { sharedRedisUrl, uniquePrefix } from '../helpers/own-redis.js';
import { waitUntil } from '../helpers/process.js';
import { fixtureServer, runCli } from './fixtures/cli.js';

const ops = newApiKey();
const user = newApiKey();
const redisUrl = sharedRedisUrl('sessions across replicas');

type Report = { id: string; principal: string; tenant?: string; client?: string; clientInfo?: { name: string; version: string }; protocolVersion?: string; openedAt: string; lastRequestAt: string; inFlight: number; listening: boolean };

async function start(extra: Record<string, unknown> = {}) {
  const config = parseConfig(
    stringify({ listen: { host: '127.0.0.1', port: 0 }, auth: { apiKeys: { [ops.hash]: { id: 'ops', scopes: [ADMIN_SCOPE] }, [user.hash]: { id: 'user', tenant: 'acme', scopes: ['tools'] } } }, servers: { demo: fixtureServer('demo') }, ...extra }),
    { format: 'yaml' },
  );
  const gateway = new Gateway(config, { logger: silentLogger });
  await gateway.start();
  const handle: HttpHandle = await gateway.serveHttp({ port: 0 });
  return { gateway, handle, base: new URL('/', handle.url).href.replace(/\/$/, '') };
}

async function connect(url: string, name: string): Promise<Client> {
  const client = new Client({ name, version: '2.1.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${user.key}` } } }));
  return client;
}

const admin = (base: string, route: string, body?: unknown, key = ops.key) =>
  fetch(`${base}${route}`, { method: body === undefined ? 'GET' : 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, ...(body !== undefined && { body: JSON.stringify(body) }) });
const listed = async (base: string) => ((await (await admin(base, '/admin/sessions')).json()) as { sessions: Report[] }).sessions;

describe('sessions, seen and closed by an administrator', () => {
  let g: Awaited<ReturnType<typeof start>>;
  beforeAll(async () => {
    g = await start();
  }, 30_000);
  afterAll(async () => {
    await g?.handle.close();
    await g?.gateway.close();
  });

  it('lists each session with its caller and client, closes one, and the client finds it gone', async () => {
    const first = await connect(g.handle.url, 'agent-one');
    const second = await connect(g.handle.url, 'agent-two');
    try {
      await second.callTool({ name: 'demo__echo', arguments: { text: 'hi' } });
      const sessions = await listed(g.base);
      expect(sessions.map((s) => s.clientInfo?.name)).toEqual(['agent-two', 'agent-one']);
      expect(sessions[0]).toMatchObject({ principal: 'user', tenant: 'acme', client: '127.0.0.1', clientInfo: { name: 'agent-two', version: '2.1.0' }, protocolVersion: '2025-11-25', inFlight: 0 });
      expect(Date.parse(sessions[0]!.lastRequestAt)).toBeGreaterThanOrEqual(Date.parse(sessions[0]!.openedAt));
      const id = sessions[1]!.id;
      // Narrowed by caller, tenant or address, at most `limit` (the most recently active first), `total` counting all.
      const query = async (q: string) => (await (await admin(g.base, `/admin/sessions?${q}`)).json()) as { sessions: Report[]; total: number };
      expect(await query('limit=1')).toEqual({ sessions: [sessions[0]], total: 2 });
      expect((await query('principal=user&tenant=acme&client=127.0.0.1')).total).toBe(2);
      expect(await query('principal=someone-else')).toEqual({ sessions: [], total: 0 });
      // A glob, and an address range for the client.
      expect((await query('principal=us*&tenant=ac?e&client=127.0.0.0/8')).total).toBe(2);
      expect((await query('principal=*-else')).total).toBe(0);
      expect((await query('client=10.0.0.0/8')).total).toBe(0);
      expect((await query('client=::1/128')).total).toBe(0);
      const badRange = await admin(g.base, '/admin/sessions?client=10.0.0.0/99');
      expect([badRange.status, await badRange.json()]).toEqual([400, { error: "client: '10.0.0.0/99' is not an address range (10.0.0.0/8, 2001:db8::/32)" }]);
      expect((await admin(g.base, '/admin/sessions?limit=0')).status).toBe(400);

      // Not an administrator: refused. An unknown or missing id: said so.
      expect((await admin(g.base, '/admin/sessions', undefined, user.key)).status).toBe(403);
      expect((await admin(g.base, '/admin/sessions/close', { session: id }, user.key)).status).toBe(403);
      expect(await (await admin(g.base, '/admin/sessions/close', { session: 'nobody' })).json()).toEqual({ error: 'no session nobody (GET /admin/sessions lists them)' });
      expect((await admin(g.base, '/admin/sessions/close', {})).status).toBe(400);

      const closed = await admin(g.base, '/admin/sessions/close', { session: id });
      expect([closed.status, await closed.json()]).toEqual([200, { closed: id }]);
      expect((await listed(g.base)).map((s) => s.clientInfo?.name)).toEqual(['agent-two']);
      await expect(first.callTool({ name: 'demo__echo', arguments: { text: 'again' } })).rejects.toThrow(/404|Session not found/);
      expect(await second.callTool({ name: 'demo__echo', arguments: { text: 'still' } })).toMatchObject({ content: [{ text: expect.stringContaining('still') }] });
    } finally {
      await first.close().catch(() => undefined);
      await second.close();
    }
  });

  it('`mcplex admin sessions` and `close-session`, and the admin page', async () => {
    const client = await connect(g.handle.url, 'cli-seen');
    try {
      const env = { MCPLEX_URL: g.base, MCPLEX_ADMIN_KEY: ops.key };
      const cli = runCli(['admin', 'sessions'], env);
      expect((await cli.exited()).code).toBe(0);
      const [header, line] = cli.stdout().trim().split('\n');
      expect(header).toMatch(/^session\s+caller\s+client\s+app\s+protocol\s+endpoint\s+opened\s+last request\s+in flight$/);
      expect(line).toMatch(/^[0-9a-f-]{36}\s+user@acme\s+127\.0\.0\.1\s+cli-seen 2\.1\.0\s+2025-11-25\s+/);
      const id = line!.split(/\s+/)[0]!;
      const narrowed = runCli(['admin', 'sessions', '--principal', 'user', '--limit', '1'], env);
      expect((await narrowed.exited()).code).toBe(0);
      expect(narrowed.stdout()).toContain(id);
      const none = runCli(['admin', 'sessions', '--tenant', 'nobody'], env);
      expect((await none.exited()).code).toBe(0);
      expect(none.stdout().trim()).toBe('no sessions (2026-era callers hold none)');

      // The page lists it and closes it.
      const page = await openAdminPage(g.base, ops.key);
      try {
        const doc = page.doc;
        const rows = () => page.cells('session-list');
        const shown = await waitUntil(() => (rows()[0]?.[0] === id.slice(0, 8) ? rows() : undefined), 10_000, 'the sessions table');
        expect(shown[0]!.slice(1, 5)).toEqual(['user (acme)', '127.0.0.1', 'cli-seen 2.1.0', '2025-11-25']);
        (doc.querySelector('#session-list tbody button') as unknown as { click(): void }).click();
        await waitUntil(async () => ((await listed(g.base)).some((s) => s.id === id) ? undefined : true), 10_000, 'the session closed from the page');
      } finally {
        await page.close();
      }
      const again = runCli(['admin', 'close-session', id], env);
      expect((await again.exited()).code).toBe(1);
      expect(again.stderr()).toContain(`no session ${id}`);
    } finally {
      await client.close().catch(() => undefined);
    }
  });
  it('a legacy HTTP+SSE session is listed as such by `mcplex admin sessions` and on the admin page', async () => {
    const client = new Client({ name: 'old-sse', version: '1.0' });
    await client.connect(new SSEClientTransport(new URL('/sse', g.base), { requestInit: { headers: { authorization: `Bearer ${user.key}` } } }));
    try {
      const cli = runCli(['admin', 'sessions'], { MCPLEX_URL: g.base, MCPLEX_ADMIN_KEY: ops.key });
      expect((await cli.exited()).code).toBe(0);
      expect(cli.stdout()).toMatch(/\buser@acme\s+127\.0\.0\.1\s+old-sse 1\.0\s+20\d\d-\d\d-\d\d sse\s/);
      // And on the admin page.
      const page = await openAdminPage(g.base, ops.key);
      try {
        const row = await waitUntil(() => page.cells('session-list').find((cells) => cells[3] === 'old-sse 1.0'), 10_000, 'the SSE session on the page');
        expect(row[4]).toMatch(/^20\d\d-\d\d-\d\d sse$/);
      } finally {
        await page.close();
      }
    } finally {
      await client.close();
    }
  });
});

describe.skipIf(!redisUrl)('sessions across replicas (cluster:)', () => {
  it('a listing through either replica is every replica’s, each session naming its replica; one that does not answer is named; a close through the other is made where the session lives', async () => {
    const keyPrefix = uniquePrefix('sessions-admin');
    const cluster = { redis: { url: redisUrl!, keyPrefix } };
    const [a, b] = [await start({ cluster }), await start({ cluster })];
    const ghost = new RedisReplicaDirectory({ url: redisUrl!, keyPrefix: `${keyPrefix}replica:` });
    const onA = await connect(a!.handle.url, 'on-a');
    const onB = await connect(b!.handle.url, 'on-b');
    try {
      const idOf = async (base: string) => ((await (await admin(base, '/admin/replicas')).json()) as { replicas: Array<{ id: string; self: boolean }> }).replicas.find((r) => r.self)!.id;
      const [idA, idB] = [await idOf(a!.base), await idOf(b!.base)];
      const seen = (sessions: Array<Report & { replica?: string }>) => sessions.map((x) => [x.clientInfo?.name, x.replica]).sort();
      for (const base of [a!.base, b!.base]) {
        const answer = (await (await admin(base, '/admin/sessions')).json()) as { sessions: Array<Report & { replica?: string }>; total: number; unreachable?: unknown };
        expect(seen(answer.sessions)).toEqual([['on-a', idA], ['on-b', idB]]);
        expect([answer.total, answer.unreachable]).toEqual([2, undefined]);
      }
      // Narrowed and cut as one listing: the most recently active first.
      await onA.listTools();
      const one = (await (await admin(b!.base, '/admin/sessions?principal=user&limit=1')).json()) as { sessions: Array<Report & { replica?: string }>; total: number };
      expect([seen(one.sessions), one.total]).toEqual([[['on-a', idA]], 2]);
      const page = await openAdminPage(b!.base, ops.key);
      try {
        const replicaCells = () => page.cells('session-list').map((r) => r[8]).sort();
        await waitUntil(() => (replicaCells().length === 2 ? true : undefined), 10_000, 'both replicas’ sessions on the page');
        expect(replicaCells()).toEqual([idA.slice(0, 8), idB.slice(0, 8)].sort());
      } finally {
        await page.close();
      }
      const cli = runCli(['admin', 'sessions'], { MCPLEX_URL: b!.base, MCPLEX_ADMIN_KEY: ops.key });
      expect((await cli.exited()).code).toBe(0);
      expect(cli.stdout()).toMatch(new RegExp(`^replica\\s+session\\s+caller[^\\n]*\\n${idA.slice(0, 8)}\\s+[0-9a-f-]{36}\\s+user@acme`));
      // A replica announced but not answering: named, the others' sessions listed all the same.
      await ghost.announce('ghost', { advertise: 'http://127.0.0.1:9' }, 15_000);
      const partial = (await (await admin(a!.base, '/admin/sessions')).json()) as { sessions: Report[]; unreachable?: Array<{ replica: string; error: string }> };
      expect(partial.sessions).toHaveLength(2);
      expect(partial.unreachable).toEqual([{ replica: 'ghost', error: expect.any(String) }]);
      await ghost.leave('ghost');

      const [mine] = await listed(a!.base).then((all) => all.filter((x) => x.clientInfo?.name === 'on-a'));
      const closed = await admin(b!.base, '/admin/sessions/close', { session: mine!.id });
      expect([closed.status, await closed.json()]).toEqual([200, { closed: mine!.id }]);
      expect((await listed(a!.base)).map((x) => x.clientInfo?.name)).toEqual(['on-b']);
      // Every session of a caller, through a replica that holds none of them.
      const env = { MCPLEX_URL: a!.base, MCPLEX_ADMIN_KEY: ops.key };
      const neither = runCli(['admin', 'close-session'], env);
      expect((await neither.exited()).code).toBe(2);
      const all = runCli(['admin', 'close-session', '--principal', 'user'], env);
      expect((await all.exited()).code).toBe(0);
      expect(all.stdout().trim()).toMatch(/^closed [0-9a-f-]{36}$/);
      expect(await listed(b!.base)).toEqual([]);
    } finally {
      await Promise.all([onA, onB].map((c) => c.close().catch(() => undefined)));
      await ghost.close();
      for (const r of [a!, b!]) {
        await r.handle.close();
        await r.gateway.close();
      }
    }
  }, 60_000);
});
