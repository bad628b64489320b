// The admin page in Chromium, which enforces what the DOM tests (admin-ui.test.ts) cannot: its Content-Security-Policy
// (its own script and style only, no inline code, no form posts) and its Referrer-Policy. With auth on, a person
// gives the admin key in the page's form, reads the upstream's detail and switches the server to read-only with its
// button; nothing the page does is blocked and nothing throws.
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_SCOPE, Gateway, type HttpHandle, newApiKey, parseConfig, silentLogger } from '../../src/index.js';
import { chromiumPresent, type Pages, startPages } from '../helpers/chromium.js';
import { fixtureServer } from './fixtures/cli.js';

describe.runIf(chromiumPresent())('the admin page in a browser', () => {
  const ops = newApiKey();
  let pages: Pages;
  let gateway: Gateway;
  let http: HttpHandle;
  let base: string;
  beforeAll(async () => {
    pages = await startPages();
    const config = parseConfig(stringify({ listen: { host: '127.0.0.1', port: 0 }, auth: { apiKeys: { [ops.hash]: { id: 'ops', scopes: [ADMIN_SCOPE] } } }, servers: { demo: fixtureServer('demo') } }), { format: 'yaml' });
    gateway = new Gateway(config, { logger: silentLogger });
    await gateway.start();
    http = await gateway.serveHttp({ port: 0 });
    base = new URL(http.url).origin;
  }, 60_000);
  afterAll(async () => {
    await http?.close();
    await gateway?.close();
    await pages?.close();
  });

  it('takes the admin key, shows the upstream and switches it to read-only, under its own policy', async () => {
    const { page, problems } = await pages.visit(`${base}/admin/ui`);
    // Its stylesheet applied (a CSP that blocked it would leave the form visible).
    await page.waitForSelector('#login', { state: 'visible' });
    expect(await page.evaluate(() => getComputedStyle(document.querySelector('#login')!).display)).toBe('flex');
    await page.fill('#key', ops.key);
    await page.click('#login button');
    await page.waitForFunction(() => Number(document.body.dataset.loaded ?? 0) > 0);
    await page.waitForFunction(() => document.querySelector('#upstreams tbody td')?.textContent === 'demo');
    expect(await page.textContent('#upstreams tbody tr td:nth-child(2)')).toBe('up');
    await page.click('#upstreams tbody button');
    const overrides = async () =>
      ((await (await fetch(`${base}/admin/mode`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json', authorization: `Bearer ${ops.key}` } })).json()) as { overrides: { servers: Record<string, { mode?: string }> } }).overrides;
    await expect.poll(async () => (await overrides()).servers.demo?.mode, { timeout: 5000 }).toBe('read-only');
    expect(page.url()).toBe(`${base}/admin/ui`);
    expect(problems).toEqual([]);
  });
});
