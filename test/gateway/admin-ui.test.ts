// The admin page in a DOM (happy-dom) against a real gateway: its script loads from the gateway, reads the real
// admin endpoints and renders upstreams, degradation, endpoints, cache and audit; its buttons switch the gateway's mode; what
// the gateway reports is written as text (a tool name with markup stays text); with auth on it asks for an admin key
// and then shows the detail, and a key without the admin scope is told so. Served with a strict policy; its references
// are relative, so it works behind a proxy that mounts the gateway under a path prefix.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_SCOPE, Gateway, type HttpHandle, newApiKey, parseConfig, silentLogger } from '../../src/index.js';
import { openAdminPage } from '../helpers/admin-page.js';
import { waitUntil } from '../helpers/process.js';
import { TasksClient } from '../helpers/tasks-client.js';
import { fixtureServer } from './fixtures/cli.js';
import { prefixProxy } from './helpers/prefix-proxy.js';

const dir = mkdtempSync(join(tmpdir(), 'admin-ui-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function startGateway(extra: Record<string, unknown> = {}) {
  const config = parseConfig(
    stringify({ listen: { host: '127.0.0.1', port: 0 }, servers: { demo: fixtureServer('demo') }, audit: { path: join(dir, `${Object.keys(extra).join('-') || 'open'}.db`) }, cache: { ttlMs: 60_000 }, ...extra }),
    { format: 'yaml' },
  );
  const gateway = new Gateway(config, { logger: silentLogger });
  await gateway.start();
  const handle: HttpHandle = await gateway.serveHttp({ port: 0 });
  return { gateway, handle, base: new URL('/', handle.url).href.replace(/\/$/, '') };
}

const openPage = (base: string) => openAdminPage(base);

async function call(url: string, headers: Record<string, string>, calls: Array<[string, Record<string, unknown>]>) {
  const client = new Client({ name: 'admin-ui-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  for (const [name, args] of calls) await client.callTool({ name, arguments: args }).catch(() => undefined);
  await client.close();
}

describe('admin page, no auth (loopback)', () => {
  let g: Awaited<ReturnType<typeof startGateway>>;
  beforeAll(async () => {
    g = await startGateway();
  }, 30_000);
  afterAll(async () => {
    await g?.handle.close();
    await g?.gateway.close();
  });

  it('is served with its own script and style only', async () => {
    const page = await fetch(`${g.base}/admin/ui`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(await page.text()).toContain('<script src="ui.js" defer></script>');
    const js = await fetch(`${g.base}/admin/ui.js`);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await fetch(`${g.base}/admin/ui.css`)).status).toBe(200);
    for (const path of ['/admin', '/admin/']) {
      const lead = await fetch(`${g.base}${path}`, { redirect: 'manual' });
      expect(lead.status).toBe(302);
      expect(new URL(lead.headers.get('location')!, `${g.base}${path}`).href).toBe(`${g.base}/admin/ui`);
    }
    // Host/Origin checks apply to it like every route: a page on another site may not read it.
    expect((await fetch(`${g.base}/admin/ui`, { headers: { origin: 'https://evil.example' } })).status).toBe(403);
  });

  it('shows upstreams, cache and audit, and writes what it is given as text', async () => {
    const markup = '<img src=x id=injected>';
    await call(g.handle.url, {}, [
      ['demo__echo', { text: 'hello' }],
      [markup, {}],
    ]);
    await waitUntil(async () => ((await (await fetch(`${g.base}/admin/audit?method=tools/call`)).json()) as { records: unknown[] }).records.length >= 2 || undefined, 5000, 'audit records');
    const p = await openPage(g.base);
    try {
      await p.loaded();
      const upstreams = p.cells('upstreams');
      expect(upstreams.map((r) => r.slice(0, 4))).toEqual([['demo', 'up', 'stdio', '2026-07-28']]);
      expect(Number(upstreams[0]![4])).toBeGreaterThan(0); // the child's pid
      expect(p.doc.querySelector('#status')!.textContent).toBe('ready');
      // Without cluster: the replicas are this gateway alone, as it reports itself.
      const [replica, ...others] = p.cells('replicas');
      expect(others).toEqual([]);
      expect([replica![0]!.endsWith('(this page)'), replica![2], replica![4], replica![5], replica![6]]).toEqual([true, String(process.pid), 'ready', 'normal', 'demo up']);
      // The config it runs: its version in the header and on its replica row; no rejected reload to tell of.
      const version = ((await (await fetch(`${g.base}/admin/config`)).json()) as { version: string }).version;
      expect(replica![8]).toBe(version);
      // Its audit store (SQLite here), up (a record of the page's own requests may be waiting).
      expect(replica![9]).toMatch(/^sqlite up(, \d+ waiting)?$/);
      expect(p.doc.querySelector('#config')!.textContent).toMatch(new RegExp(`^config ${version} since \\d{4}-`));
      expect((p.doc.querySelector('#config-rejected') as unknown as { hidden: boolean }).hidden).toBe(true);
      expect(p.cells('reloads')).toEqual([['none since it started']]);
      expect(JSON.parse(p.doc.querySelector('#config-json')!.textContent!)).toMatchObject({ servers: { demo: { name: 'demo' } } });
      expect(p.doc.querySelector('#cache')!.textContent).toMatch(/^store memory/);
      const audit = p.cells('audit').filter((r) => r[4] === 'tools/call');
      expect(audit.map((r) => [r[5], r[7]])).toEqual([
        [markup, 'error'],
        ['demo__echo', 'ok'],
      ]);
      expect(p.doc.querySelector('#injected')).toBeNull();
      expect(p.doc.querySelector('#audit-head')!.textContent).toMatch(/^head \d+:[0-9a-f]{8}/);
      // The audit filter narrows what the page asks for.
      (p.doc.querySelector('#f-tool') as unknown as { value: string }).value = 'demo__echo';
      const before = Number(p.doc.body.dataset.loaded);
      (p.doc.querySelector('#audit-filter button') as unknown as { click(): void }).click();
      await p.loaded(before);
      expect(p.cells('audit').map((r) => r[5])).toEqual(['demo__echo']);
      // The chain checked by the gateway, said on the page.
      (p.doc.querySelector('#audit-verify') as unknown as { click(): void }).click();
      const notice = p.doc.querySelector('#notice')!;
      await waitUntil(() => (notice.textContent?.startsWith('The audit chain') ? true : undefined), 5000, 'the verify notice');
      expect(notice.textContent).toMatch(/^The audit chain is intact: \d+ records\.$/);
    } finally {
      await p.close();
    }
  });

  it('says when the last reload was rejected, and why', async () => {
    await expect(g.gateway.reload({ ...g.gateway.config, separator: '--' })).rejects.toThrow(/separator changed/);
    const p = await openPage(g.base);
    try {
      await p.loaded();
      const rejected = p.doc.querySelector('#config-rejected') as unknown as { hidden: boolean; textContent: string };
      expect(rejected.hidden).toBe(false);
      expect(rejected.textContent).toMatch(/^The last reload \(\d{4}-[^)]+\) was rejected: separator changed \('__' to '--'\); restart the gateway to apply it\. The config above keeps running\.$/);
      expect(p.cells('reloads').map((r) => r.slice(1))).toEqual([['rejected', "separator changed ('__' to '--'); restart the gateway to apply it"]]);
    } finally {
      await p.close();
    }
  });

  it("lists the endpoints with what each view shows, and flags one that shows nothing", async () => {
    expect(((await (await fetch(`${g.base}/admin/endpoints`)).json()) as { endpoints: unknown[] }).endpoints).toEqual([]);
    const e = await startGateway({ endpoints: { notes: { include: 'server:demo', toolSearch: true }, typo: { include: 'server:dmo' } } });
    const p = await openPage(e.base);
    try {
      await p.loaded();
      const rows = p.cells('endpoints');
      expect(rows.map((r) => [r[0], r[1], r[3], r[5]])).toEqual([
        ['notes', '/notes/mcp', 'server:demo', 'on'],
        ['typo', '/typo/mcp', 'server:dmo', 'off'],
      ]);
      expect(rows[0]![2]).toMatch(/^[1-9]\d* tools?, \d+ prompts?, \d+ resources?$/);
      expect(rows[1]![2]).toBe('0 tools, 0 prompts, 0 resources');
      expect([...p.doc.querySelectorAll('#endpoints tbody tr')].map((tr) => tr.querySelectorAll('td')[2]!.className)).toEqual(['ok', 'bad']);
      // The audit table names the endpoint a request came to, and its filter narrows to one.
      await call(new URL('/notes/mcp', e.base).href, {}, [['demo__echo', { text: 'on notes' }]]);
      await call(e.handle.url, {}, [['demo__echo', { text: 'on main' }]]);
      await waitUntil(async () => ((await (await fetch(`${e.base}/admin/audit?method=tools/call`)).json()) as { records: unknown[] }).records.length >= 2 || undefined, 5000, 'audit records');
      (p.doc.querySelector('#f-method') as unknown as { value: string }).value = 'tools/call';
      let before = Number(p.doc.body.dataset.loaded);
      (p.doc.querySelector('#audit-filter button') as unknown as { click(): void }).click();
      await p.loaded(before);
      expect(p.cells('audit').map((r) => r[10])).toEqual(['', 'notes']);
      // And the address each came from.
      expect(p.cells('audit').map((r) => r[11])).toEqual(['127.0.0.1', '127.0.0.1']);
      (p.doc.querySelector('#f-endpoint') as unknown as { value: string }).value = 'notes';
      before = Number(p.doc.body.dataset.loaded);
      (p.doc.querySelector('#audit-filter button') as unknown as { click(): void }).click();
      await p.loaded(before);
      expect(p.cells('audit').map((r) => [r[5], r[10]])).toEqual([['demo__echo', 'notes']]);
    } finally {
      await p.close();
      await e.handle.close();
      await e.gateway.close();
    }
  });

  it("switches a server and the whole gateway to read-only, and back, through the gateway's admin API", async () => {
    const p = await openPage(g.base);
    const overrides = async () => ((await (await fetch(`${g.base}/admin/mode`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })).json()) as { mode: string; overrides: { mode?: string; servers: Record<string, { mode?: string }> } });
    try {
      await p.loaded();
      let before = Number(p.doc.body.dataset.loaded);
      (p.doc.querySelector('#upstreams tbody button') as unknown as { click(): void }).click();
      await p.loaded(before);
      expect((await overrides()).overrides.servers.demo?.mode).toBe('read-only');
      expect(p.cells('upstreams')[0]![9]).toBe('read-only');

      before = Number(p.doc.body.dataset.loaded);
      (p.doc.querySelector('#mode-select') as unknown as { value: string }).value = 'read-only';
      (p.doc.querySelector('#mode button') as unknown as { click(): void }).click();
      await p.loaded(before);
      expect((await overrides()).mode).toBe('read-only');
      expect(p.doc.querySelector('#mode-now')!.textContent).toBe('now: read-only');

      before = Number(p.doc.body.dataset.loaded);
      (p.doc.querySelector('#mode-select') as unknown as { value: string }).value = '';
      (p.doc.querySelector('#mode button') as unknown as { click(): void }).click();
      await p.loaded(before);
      expect((await overrides()).overrides.mode).toBeUndefined();
    } finally {
      await p.close();
    }
  });
});

describe('admin page, a server restarted', () => {
  it("restarts a server from its row (a new process) and says so", async () => {
    const g = await startGateway();
    const p = await openPage(g.base);
    const pid = () => g.gateway.health().upstreams.find((u) => u.name === 'demo')!.pid!;
    try {
      await p.loaded();
      const before = pid();
      expect(p.cells('upstreams')[0]![4]).toBe(String(before));
      const loaded = Number(p.doc.body.dataset.loaded);
      (p.doc.querySelector('#upstreams tbody button.restart') as unknown as { click(): void }).click();
      await p.loaded(loaded);
      expect(pid()).not.toBe(before);
      expect(p.cells('upstreams')[0]![4]).toBe(String(pid()));
      expect(p.doc.querySelector('#notice')!.textContent).toBe('restarted demo');
    } finally {
      await p.close();
      await g.handle.close();
      await g.gateway.close();
    }
  });
});

describe('admin page behind a proxy that mounts the gateway under a path prefix', () => {
  it('leads to the page under the prefix, loads its script and data there, and its buttons post there', async () => {
    // Behind a proxy the caller is not local: the admin routes need an admin key.
    const ops = newApiKey();
    const g = await startGateway({ auth: { apiKeys: { [ops.hash]: { id: 'ops', scopes: [ADMIN_SCOPE] } } } });
    const proxy = await prefixProxy(g.base, '/team');
    const base = `${proxy.origin}/team`;
    const p = await openAdminPage(base, ops.key);
    const pid = () => g.gateway.health().upstreams.find((u) => u.name === 'demo')!.pid!;
    try {
      for (const path of ['/admin', '/admin/']) {
        const lead = await fetch(`${base}${path}`, { redirect: 'manual' });
        expect(new URL(lead.headers.get('location')!, `${base}${path}`).href).toBe(`${base}/admin/ui`);
      }
      // Nothing outside /team reaches the gateway through this proxy: the page's data came through the prefix.
      await p.loaded();
      expect(p.doc.querySelector('#status')!.textContent).toBe('ready');
      expect(p.cells('upstreams').map((r) => r.slice(0, 2))).toEqual([['demo', 'up']]);
      const before = pid();
      const loaded = Number(p.doc.body.dataset.loaded);
      (p.doc.querySelector('#upstreams tbody button.restart') as unknown as { click(): void }).click();
      await p.loaded(loaded);
      expect(pid()).not.toBe(before);
      expect(p.doc.querySelector('#notice')!.textContent).toBe('restarted demo');
    } finally {
      await p.close();
      await proxy.close();
      await g.handle.close();
      await g.gateway.close();
    }
  });
});

describe('admin page, tasks', () => {
  it('lists the tasks the gateway runs and cancels one; the API says what it cannot do', async () => {
    const g = await startGateway({ servers: { demo: fixtureServer('demo', { tasks: { hang: 'optional' } }) } });
    const caller = new TasksClient(g.handle.url);
    const taskId = String((await caller.ok('tools/call', { name: 'demo__hang', arguments: {} })).taskId);
    const p = await openPage(g.base);
    try {
      await p.loaded();
      const shown = p.cells('tasks')[0]!;
      expect(shown.slice(0, 5)).toEqual([taskId.slice(0, 8), 'demo__hang', 'demo', 'anonymous:anonymous', 'working']);
      const clicked = Number(p.doc.body.dataset.loaded);
      (p.doc.querySelector('#tasks tbody button') as unknown as { click(): void }).click();
      await p.loaded(clicked);
      expect(p.cells('tasks')[0]!.slice(4, 6)).toEqual(['cancelled', 'Cancelled by an administrator']);
      expect(await caller.ok('tasks/get', { taskId })).toMatchObject({ status: 'cancelled', statusMessage: 'Cancelled by an administrator' });

      const post = (body: unknown) => fetch(`${g.base}/admin/tasks/cancel`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect((await post({ taskId })).status).toBe(409);
      expect((await post({ taskId: 'nope' })).status).toBe(404);
      expect((await post({})).status).toBe(400);
      expect((await fetch(`${g.base}/admin/tasks?status=sleeping`)).status).toBe(400);
      expect(((await (await fetch(`${g.base}/admin/tasks?status=working`)).json()) as { tasks: unknown[] }).tasks).toEqual([]);
    } finally {
      await p.close();
      await g.handle.close();
      await g.gateway.close();
    }
  });
});

describe('admin page, tool pins', () => {
  it('lists a held tool with what changed, and approves it', async () => {
    const file = join(dir, 'pins.json');
    // What was approved earlier says something else than the fixture's echo says now.
    writeFileSync(file, JSON.stringify({ version: 1, servers: { demo: { echo: { pinnedAt: '2026-12-01T00:00:00.000Z', definition: { description: 'Echoes <b>text</b>' } } } } }));
    const g = await startGateway({ pinning: { file } });
    const p = await openPage(g.base);
    try {
      await p.loaded();
      expect(p.doc.querySelector('#pins')!.textContent).toBe(`${6} tools and prompts pinned in ${file} · on change: hold`);
      const [held] = p.cells('changed-tools');
      expect(held!.slice(0, 4)).toEqual(['demo', 'echo', 'description, inputSchema', 'held']);
      expect(held!.slice(5, 7)).toEqual(['Echoes <b>text</b>', 'Echoes text back']);
      expect(p.doc.querySelector('#changed-tools b')).toBeNull();
      expect(g.gateway.catalog.tool('demo__echo')).toBeUndefined();
      const before = Number(p.doc.body.dataset.loaded);
      (p.doc.querySelector('#changed-tools tbody button') as unknown as { click(): void }).click();
      await p.loaded(before);
      expect(p.cells('changed-tools')).toEqual([['no tool or prompt changed since it was pinned']]);
      expect(g.gateway.catalog.tool('demo__echo')?.name).toBe('echo');
    } finally {
      await p.close();
      await g.handle.close();
      await g.gateway.close();
    }
  });
});

describe('admin page with auth on', () => {
  const ops = newApiKey();
  const user = newApiKey();
  let g: Awaited<ReturnType<typeof startGateway>>;
  beforeAll(async () => {
    g = await startGateway({ auth: { apiKeys: { [ops.hash]: { id: 'ops', scopes: [ADMIN_SCOPE] }, [user.hash]: { id: 'user', scopes: ['tools'] } } } });
  }, 30_000);
  afterAll(async () => {
    await g?.handle.close();
    await g?.gateway.close();
  });

  const submitKey = async (p: Awaited<ReturnType<typeof openPage>>, key: string) => {
    (p.doc.querySelector('#key') as unknown as { value: string }).value = key;
    (p.doc.querySelector('#login button') as unknown as { click(): void }).click();
  };

  it('asks for a key, then shows the detail an admin key may see; the key never reaches the page as text', async () => {
    const p = await openPage(g.base);
    try {
      await waitUntil(() => !(p.doc.querySelector('#login') as unknown as { hidden: boolean }).hidden || undefined, 5000, 'the key form');
      expect(p.cells('upstreams')).toEqual([['no detail without an admin key']]);
      await submitKey(p, ops.key);
      await p.loaded();
      expect(p.cells('upstreams').map((r) => r.slice(0, 2))).toEqual([['demo', 'up']]);
      expect(p.window.sessionStorage.getItem('mcplex.adminKey')).toBe(ops.key);
      expect(p.doc.body.textContent).not.toContain(ops.key);
    } finally {
      await p.close();
    }
  });

  it('tells a key without the admin scope what it lacks', async () => {
    const p = await openPage(g.base);
    try {
      await waitUntil(() => !(p.doc.querySelector('#login') as unknown as { hidden: boolean }).hidden || undefined, 5000, 'the key form');
      await submitKey(p, user.key);
      await waitUntil(() => /may not use the admin endpoints: it needs the mcplex:admin scope/.test(p.doc.querySelector('#login-why')!.textContent ?? '') || undefined, 5000, 'the scope message');
      expect(p.cells('upstreams')).toEqual([['no detail without an admin key']]);
    } finally {
      await p.close();
    }
  });
});
