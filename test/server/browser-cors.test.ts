// A web app in a real browser (Chromium) calling a framework server at another origin, as the Inspector's web UI in
// direct mode or any web app on the SDK's client does: with `cors` naming the app's origin, the browser's
// preflights pass and the app reads the answers (the 2025-era session id included) in both eras; a page at an origin
// not named, or any page when `cors` is off, is stopped by the browser; the same for a serverless fetchHandler. And an app signing in through the server's
// OAuth proxy from the page: discovery, registration and the token exchange are cross-origin fetches.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createAuthenticator, createServer, type HttpHandle, type McpFetchHandler, OAuthProxy, silentLogger } from '../../src/index.js';
import { callFromPage, chromiumPresent, type Pages, startPages } from '../helpers/chromium.js';
import { freePort } from '../helpers/http.js';
import { APP_CALLBACK } from '../helpers/oauth-app.js';
import { serveFetch } from '../helpers/serve-fetch.js';
import { type Idp, startIdp } from '../helpers/oidc-idp.js';

function echoServer() {
  const server = createServer({ name: 'echo', version: '1.0.0' });
  server.tool('echo', { description: 'Echoes', input: z.object({ text: z.string() }) }, ({ text }, ctx) => `${text} (${ctx.principal.id})`);
  return server;
}

describe.runIf(chromiumPresent())('a web app at another origin', () => {
  let pages: Pages;
  let open: HttpHandle;
  let closed: HttpHandle;
  let handler: McpFetchHandler;
  let edge: { url: string; close(): Promise<void> };
  beforeAll(async () => {
    pages = await startPages();
    open = await echoServer().serveHttp({ cors: { origins: [pages.originOf('app.test')] } });
    closed = await echoServer().serveHttp({});
    handler = echoServer().fetchHandler({ cors: { origins: [pages.originOf('app.test')] } });
    edge = await serveFetch((request) => handler.fetch(request));
  }, 60_000);
  afterAll(async () => {
    await Promise.all([open?.close(), closed?.close(), handler?.close()]);
    await edge?.close();
    await pages?.close();
  });

  it('calls a tool in the 2025 era, its session id read off the answers', async () => {
    const page = await pages.open('app.test');
    const got = await callFromPage(page, open.url, 'echo', { text: 'hi' });
    expect(got).toMatchObject({ tools: ['echo'], text: 'hi (anonymous)', version: '2025-11-25' });
    expect(got.session).toMatch(/\S{16,}/);
    expect(open.sessionCount()).toBe(0);
  });

  it('calls a tool in the 2026-07-28 era (its Mcp-* headers preflighted)', async () => {
    const page = await pages.open('app.test');
    expect(await callFromPage(page, open.url, 'echo', { text: 'hi' }, { modern: true })).toMatchObject({ tools: ['echo'], text: 'hi (anonymous)', version: '2026-07-28' });
  });

  it('calls a serverless handler (fetchHandler) in both eras, the 2025 era statelessly', async () => {
    const page = await pages.open('app.test');
    expect(await callFromPage(page, edge.url, 'echo', { text: 'hi' }, { modern: true })).toMatchObject({ text: 'hi (anonymous)', version: '2026-07-28' });
    expect(await callFromPage(page, edge.url, 'echo', { text: 'hi' })).toMatchObject({ text: 'hi (anonymous)', version: '2025-11-25' });
    const other = await pages.open('other.test');
    expect((await callFromPage(other, edge.url, 'echo', { text: 'hi' })).error).toMatch(/TypeError: Failed to fetch/);
  });

  it('is stopped by the browser at an origin not named, and anywhere when cors is off', async () => {
    const other = await pages.open('other.test');
    expect((await callFromPage(other, open.url, 'echo', { text: 'hi' })).error).toMatch(/TypeError: Failed to fetch/);
    const app = await pages.open('app.test');
    expect((await callFromPage(app, closed.url, 'echo', { text: 'hi' })).error).toMatch(/TypeError: Failed to fetch/);
    // In pin mode the SDK reports the failed discovery as such.
    expect((await callFromPage(app, closed.url, 'echo', { text: 'hi' }, { modern: true })).error).toMatch(/Failed to fetch|did not offer pinned protocol version/);
  });
});

/** The page's OAuth state, as a web app keeps it: `window.app`, the SDK's authProvider (the URL to open is caught). */
function installApp(page: Page): Promise<void> {
  return page.evaluate((callback) => {
    // biome-ignore lint/suspicious/noExplicitAny: the page's globals
    (window as any).app = {
      client: undefined as unknown,
      saved: undefined as unknown,
      opened: undefined as string | undefined,
      verifier: '',
      get redirectUrl() {
        return callback;
      },
      get clientMetadata() {
        return { client_name: 'Web App', redirect_uris: [callback], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none' };
      },
      clientInformation() {
        return this.client;
      },
      saveClientInformation(info: unknown) {
        this.client = info;
      },
      tokens() {
        return this.saved;
      },
      saveTokens(tokens: unknown) {
        this.saved = tokens;
      },
      redirectToAuthorization(at: URL) {
        this.opened = at.href;
      },
      saveCodeVerifier(v: string) {
        this.verifier = v;
      },
      codeVerifier() {
        return this.verifier;
      },
    };
  }, APP_CALLBACK);
}

describe.runIf(chromiumPresent())('a web app signing in through the OAuth proxy', () => {
  let pages: Pages;
  let idp: Idp;
  let http: HttpHandle;
  let resource: string;
  beforeAll(async () => {
    pages = await startPages();
    idp = await startIdp();
    const port = await freePort();
    resource = `http://127.0.0.1:${port}/mcp`;
    idp.register('echo-server', 'a-client-secret-0123456789', `http://127.0.0.1:${port}/oauth/idp-callback`, { resource, accessTokenTtl: 300, jwtAccessTokens: true });
    const proxy = new OAuthProxy(
      () => ({ resource, idpIssuer: idp.issuer, proxy: { clientId: 'echo-server', clientSecret: 'a-client-secret-0123456789', scopes: ['openid', 'mcp'], key: 'a-browser-proxy-key-0123456789abcdefgh' } }),
      silentLogger,
    );
    const auth = createAuthenticator({ jwt: { issuer: idp.issuer, audience: resource, jwksUrl: `${idp.issuer}/jwks`, authorizationServers: [OAuthProxy.issuerOf(resource)] } });
    http = await echoServer().serveHttp({ port, auth, resource, routes: proxy.routes(), cors: { origins: [pages.originOf('app.test')] } });
  }, 60_000);
  afterAll(async () => {
    await http?.close();
    await idp?.close();
    await pages?.close();
  });

  it('finds the proxy from the 401, registers, signs in and calls as the person', async () => {
    const page = await pages.open('app.test');
    await installApp(page);
    // Unauthorized: the SDK read the challenge, fetched both metadata documents and registered, all from the page.
    expect((await callFromPage(page, resource, 'echo', { text: 'hi' }, { oauth: true })).error).toMatch(/Unauthorized/);
    const opened = new URL((await page.evaluate(() => (window as unknown as { app: { opened: string } }).app.opened))!);
    expect(opened.origin).toBe(new URL(resource).origin);
    // The person approves on the proxy's page and signs in at the provider, in a tab of the same browser: its own
    // cookies, Origin and Sec-Fetch-Site (navigations: no CORS there). The app's callback is caught.
    const tab = await page.context().newPage();
    const called = new Promise<URL>((resolve) =>
      tab.route(`${APP_CALLBACK}**`, (route) => {
        resolve(new URL(route.request().url()));
        return route.fulfill({ status: 200, body: 'signed in' });
      }),
    );
    await tab.goto(opened.href);
    expect(await tab.textContent('h1')).toBe('Allow Web App to use mcplex as you?');
    await tab.click('button[value=approve]');
    await tab.fill('input[name=login]', 'dana');
    await tab.fill('input[name=password]', 'any');
    await tab.click('button[type=submit]');
    // The provider's own consent for the gateway's client.
    await tab.click('button[type=submit]');
    const back = await called;
    // The code is exchanged from the page: a cross-origin POST to the proxy's token endpoint.
    const exchanged = await page.evaluate(
      async ({ url, code, iss }) => {
        // biome-ignore lint/suspicious/noExplicitAny: the page's globals
        const w = window as any;
        try {
          await new w.mcp.StreamableHTTPClientTransport(new URL(url), { authProvider: w.app }).finishAuth(code, iss);
          return 'ok';
        } catch (err) {
          return String(err);
        }
      },
      { url: resource, code: back.searchParams.get('code')!, iss: back.searchParams.get('iss')! },
    );
    expect(exchanged).toBe('ok');
    expect(await callFromPage(page, resource, 'echo', { text: 'hi' }, { oauth: true })).toMatchObject({ text: 'hi (dana)' });

    // The app signs in again (its tokens gone): the browser remembers dana's approval of this app (the proxy's
    // consent cookie, sent on the top-level navigation from the app's site), so no consent page is shown.
    await page.evaluate(() => {
      // biome-ignore lint/suspicious/noExplicitAny: the page's globals
      const w = window as any;
      w.app.saved = undefined;
      w.app.opened = undefined;
    });
    expect((await callFromPage(page, resource, 'echo', { text: 'again' }, { oauth: true })).error).toMatch(/Unauthorized/);
    const again = new URL((await page.evaluate(() => (window as unknown as { app: { opened: string } }).app.opened))!);
    const answered = tab.waitForResponse((r) => r.url().startsWith(`${new URL(resource).origin}/oauth/authorize`));
    // The browser goes on to the provider (and, as it remembers dana too, back to the app's callback on port 9,
    // which Chromium does not open: the navigation's end is not what this asks).
    await tab.goto(again.href).catch(() => undefined);
    const authorize = await answered;
    expect(authorize.status()).toBe(303);
    expect(authorize.headers().location?.startsWith(`${idp.issuer}/`)).toBe(true);
  });

  it('the consent page is never shown in another site’s frame', async () => {
    const page = await pages.open('app.test');
    await installApp(page);
    await callFromPage(page, resource, 'echo', { text: 'hi' }, { oauth: true });
    const opened = await page.evaluate(() => (window as unknown as { app: { opened: string } }).app.opened);
    const blocked = page.waitForEvent('console', { predicate: (m) => /frame-ancestors|X-Frame-Options/.test(m.text()), timeout: 10_000 });
    await page.setContent(`<iframe src="${opened}"></iframe>`);
    expect((await blocked).text()).toMatch(/frame-ancestors|X-Frame-Options/);
    expect(await page.frames()[1]!.$('button[value=approve]')).toBeNull();
  });
});
