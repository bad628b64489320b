// A real browser for what only a browser enforces (CORS): Debian's Chromium, driven by playwright-core. Pages are
// served from 127.0.0.1 under host names of their own (app.test, other.test), so each is at an origin the server
// under test has never heard of, and they load the official SDK client, bundled for the browser by esbuild.
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import { type Browser, chromium, type Page } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const PAGE_HOSTS = ['app.test', 'other.test'] as const;
export type PageHost = (typeof PAGE_HOSTS)[number];

/**
 * Whether the browser tests run here. Without Chromium they are skipped with the reason printed, except in CI
 * (`.ci/run` installs it), where its absence fails the run.
 */
export function chromiumPresent(): boolean {
  if (existsSync(CHROMIUM)) return true;
  const why = `no Chromium at ${CHROMIUM}: apt-get install chromium (Debian), or set CHROMIUM_PATH`;
  if (process.env.CI) throw new Error(`browser tests cannot run: ${why}`);
  console.warn(`browser tests skipped: ${why}`);
  return false;
}

/** The SDK's client as the page's `mcp` global: Client, StreamableHTTPClientTransport, UnauthorizedError. */
async function sdkBundle(): Promise<string> {
  const built = await build({
    stdin: { contents: "export { Client, StreamableHTTPClientTransport, UnauthorizedError } from '@modelcontextprotocol/client';", resolveDir: process.cwd(), loader: 'js' },
    bundle: true,
    format: 'iife',
    globalName: 'mcp',
    platform: 'browser',
    write: false,
    logLevel: 'warning',
  });
  return built.outputFiles[0]!.text;
}

export interface Pages {
  /** A fresh tab showing the page at `host` (its origin: `originOf(host)`), the SDK loaded. */
  open(host: PageHost): Promise<Page>;
  /**
   * A fresh tab on `url` (a page the server under test serves), with what went wrong there kept: uncaught errors and
   * Content-Security-Policy violations, as the page saw them.
   */
  visit(url: string): Promise<{ page: Page; problems: string[] }>;
  originOf(host: PageHost): string;
  close(): Promise<void>;
}

/** Chromium with a page server; every tab's page has the SDK client loaded. */
export async function startPages(): Promise<Pages> {
  const sdk = await sdkBundle();
  const server = createServer((req, res) => {
    if (req.url === '/sdk.js') return res.writeHead(200, { 'content-type': 'text/javascript' }).end(sdk);
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>an MCP web app</title><script src="/sdk.js"></script>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM,
    // The flags Chromium needs on a machine with no network beyond loopback; the page hosts resolve to 127.0.0.1 and
    // count as secure contexts, as a web app on https is (the SDK's PKCE needs crypto.subtle).
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--host-resolver-rules=${PAGE_HOSTS.map((h) => `MAP ${h} 127.0.0.1`).join(', ')}`,
      `--unsafely-treat-insecure-origin-as-secure=${PAGE_HOSTS.map((h) => `http://${h}:${port}`).join(',')}`,
    ],
  });
  const originOf = (host: PageHost) => `http://${host}:${port}`;
  return {
    originOf,
    async open(host) {
      // A context of its own per page (its own cookies): a tab opened from it shares them, as a person's does.
      const page = await (await browser.newContext()).newPage();
      await page.goto(`${originOf(host)}/`);
      await page.waitForFunction(() => 'mcp' in window);
      return page;
    },
    async visit(url) {
      const page = await (await browser.newContext()).newPage();
      const problems: string[] = [];
      page.on('pageerror', (err) => problems.push(`error: ${err.message}`));
      await page.exposeFunction('reportViolation', (what: string) => problems.push(what));
      await page.addInitScript(() =>
        document.addEventListener('securitypolicyviolation', (e) =>
          (window as unknown as { reportViolation(s: string): void }).reportViolation(`CSP ${e.violatedDirective}: ${e.blockedURI || 'inline'}`),
        ),
      );
      await page.goto(url);
      return { page, problems };
    },
    async close() {
      await browser.close();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export interface PageCall {
  tools?: string[];
  text?: string;
  /** The 2025-era session id the client read off the answer (an exposed header). */
  session?: string;
  version?: string;
  error?: string;
}

/**
 * From the page, as a web app does: the SDK client connects to `url` (2025 era, or 2026-07-28 when `modern`), lists
 * the tools, calls `tool` with `args` and closes; with `oauth`, the page's `app` (see `installApp`) is its authProvider.
 */
export function callFromPage(page: Page, url: string, tool: string, args: Record<string, unknown>, o: { modern?: boolean; headers?: Record<string, string>; oauth?: boolean } = {}): Promise<PageCall> {
  return page.evaluate(
    async ({ url, tool, args, modern, headers, oauth }) => {
      // biome-ignore lint/suspicious/noExplicitAny: the page's globals
      const w = window as any;
      const { Client, StreamableHTTPClientTransport } = w.mcp;
      try {
        const client = new Client({ name: 'web-app', version: '1.0.0' }, modern ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {});
        const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers }, ...(oauth && { authProvider: w.app }) });
        await client.connect(transport);
        const tools = (await client.listTools()).tools.map((t: { name: string }) => t.name);
        const called = await client.callTool({ name: tool, arguments: args });
        const session = transport.sessionId;
        const version = client.getNegotiatedProtocolVersion();
        // A 2025-era session is ended as a web app leaving ends it: DELETE (a preflighted method).
        if (session) await transport.terminateSession();
        await client.close();
        return { tools, text: called.content[0].text, session, version };
      } catch (err) {
        return { error: `${(err as Error).name}: ${(err as Error).message}` };
      }
    },
    { url, tool, args, modern: o.modern ?? false, headers: o.headers ?? {}, oauth: o.oauth ?? false },
  );
}
