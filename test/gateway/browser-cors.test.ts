// Web apps in a real browser (Chromium) calling the gateway across origins, as `listen.cors` in the gateway file
// allows: with `origins: ['*']` and API keys, a page at any origin calls an upstream's tool through the gateway in
// both eras with its key (Authorization preflighted), and a page without a key reads the 401 and its challenge.
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gateway, type HttpHandle, newApiKey, parseConfig, silentLogger } from '../../src/index.js';
import { callFromPage, chromiumPresent, type Pages, startPages } from '../helpers/chromium.js';
import { fixtureServer } from './fixtures/cli.js';

describe.runIf(chromiumPresent())('listen.cors', () => {
  const key = newApiKey();
  let pages: Pages;
  let gateway: Gateway;
  let http: HttpHandle;
  beforeAll(async () => {
    pages = await startPages();
    const config = parseConfig(
      stringify({
        listen: { host: '127.0.0.1', port: 0, cors: { origins: ['*'] } },
        auth: { apiKeys: { [key.hash]: { id: 'web-user', scopes: ['tools'] } } },
        servers: { demo: fixtureServer('demo') },
      }),
      { format: 'yaml' },
    );
    gateway = new Gateway(config, { logger: silentLogger });
    await gateway.start();
    http = await gateway.serveHttp({ port: 0 });
  }, 60_000);
  afterAll(async () => {
    await http?.close();
    await gateway?.close();
    await pages?.close();
  });

  it('a page at any origin calls through the gateway with its key, in both eras', async () => {
    const headers = { authorization: `Bearer ${key.key}` };
    for (const host of ['app.test', 'other.test'] as const) {
      const page = await pages.open(host);
      const legacy = await callFromPage(page, http.url, 'demo__echo', { text: host }, { headers });
      expect(legacy).toMatchObject({ text: `demo: ${host}`, version: '2025-11-25' });
      expect(legacy.tools).toContain('demo__echo');
      expect(legacy.session).toBeTruthy();
      expect(await callFromPage(page, http.url, 'demo__echo', { text: host }, { headers, modern: true })).toMatchObject({ text: `demo: ${host}`, version: '2026-07-28' });
    }
    expect(http.sessionCount()).toBe(0);
  });

  it('a page without a key reads the 401 and its challenge (not a network error)', async () => {
    const page = await pages.open('app.test');
    expect((await callFromPage(page, http.url, 'demo__echo', { text: 'x' })).error).toMatch(/SdkHttpError: .*-32010.*Authentication required/);
    // And the challenge header, exposed to the page (where a client finds how to sign in).
    const seen = await page.evaluate(async (url) => {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' });
      return { status: res.status, challenge: res.headers.get('www-authenticate') };
    }, http.url);
    expect(seen).toEqual({ status: 401, challenge: expect.stringMatching(/^Bearer /) });
  });
});
