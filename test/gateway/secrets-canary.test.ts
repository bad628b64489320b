// Canary: one secret placed in URL user-info, URL query, header values and env/args of upstream servers must
// appear in no log line (at trace level), no /healthz or /readyz body and no error a client sees.
import { randomBytes } from 'node:crypto';
import { createServer as createNetServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/core/index.js';
import { parseConfig } from '../../src/gateway/config/index.js';
import { Gateway } from '../../src/gateway/gateway.js';
import type { HttpHandle } from '../../src/server/index.js';
import { createLogger } from '../../src/server/logger.js';
import { buildUpstream } from './fixtures/upstream.js';
import { waitFor } from './helpers/harness.js';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { ROOT } from '../helpers/process.js';

const SECRET = `canary${randomBytes(12).toString('hex')}`;

/** A port on 127.0.0.1 that nothing listens on (bound once, then released). */
async function closedPort(): Promise<number> {
  const srv = createNetServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('no secret in any output', () => {
  const lines: string[] = [];
  const seenAuth: (string | null)[] = [];
  let upstream: HttpHandle;
  let gateway: Gateway;
  let handle: HttpHandle;
  let client: Client;
  let logger: Logger;
  let upstreamClosed: Promise<void> | undefined;

  beforeAll(async () => {
    const server = buildUpstream('ok');
    server.use(async (ctx, next) => {
      seenAuth.push(ctx.http?.headers.get('authorization') ?? null);
      return next();
    });
    upstream = await server.serveHttp({ host: '127.0.0.1', port: 0 });
    const up = new URL(upstream.url);
    const refusedPort = await closedPort();
    // Secrets reach the config the way users put them there: in the file, or through ${VAR}.
    const yaml = `
servers:
  ok:
    url: http://alice:${SECRET}@127.0.0.1:${up.port}/mcp?token=${SECRET}
    headers: { X-Api-Key: "\${CANARY}", Proxy-Authorization: "Bearer ${SECRET}" }
    connectTimeoutMs: 5000
  refused:
    url: http://bob:${SECRET}@127.0.0.1:${refusedPort}/mcp?api_key=${SECRET}&x=1
    headers: { x-auth-token: "${SECRET}", Cookie: "session=${SECRET}" }
    connectTimeoutMs: 5000
  gone:
    command: ${JSON.stringify(process.execPath)}
    args: ["-e", "process.exit(3)", "token=${SECRET}"]
    env: { API_TOKEN: "${SECRET}", DATABASE_URL: "postgres://u:${SECRET}@127.0.0.1/db" }
    cwd: ${JSON.stringify(ROOT)}
`;
    const config = parseConfig(yaml, { format: 'yaml', env: { CANARY: SECRET } });
    config.listen.port = 0;
    logger = createLogger('mcplex', 'trace', { write: (line: string) => void lines.push(line) });
    gateway = new Gateway(config, { logger, restart: { initialDelayMs: 20, maxDelayMs: 50 } });
    await gateway.start();
    handle = await gateway.serveHttp({ port: 0 });
    client = new Client({ name: 'canary', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(handle.url)));
    // Let the failing upstreams fail (and restart) a few times so every down/backoff path has logged.
    await waitFor('failing upstreams to restart', () => {
      const ups = gateway.health().upstreams;
      return ups.filter((u) => u.name !== 'ok').every((u) => u.restarts >= 2) ? true : undefined;
    });
  }, 60_000);

  afterAll(async () => {
    await client?.close().catch(() => {});
    await handle?.close();
    await gateway?.close();
    await (upstreamClosed ?? upstream?.close());
  });

  const assertClean = (what: string, text: string) => {
    expect(text.includes(SECRET), `${what} contains the secret: ${text}`).toBe(false);
  };

  it('the working upstream got its credentials (user-info as Basic auth) and its tools work', async () => {
    const result = await client.callTool({ name: 'ok__echo', arguments: { text: 'hi' } });
    expect(result.isError).toBeFalsy();
    expect(seenAuth.at(-1)).toBe(`Basic ${Buffer.from(`alice:${SECRET}`).toString('base64')}`);
    expect(gateway.health().upstreams.find((u) => u.name === 'ok')?.state).toBe('up');
  });

  it('errors that clients see name the server but hold no secret', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toContain('ok__echo');
    const errors: string[] = [];
    for (const name of ['refused__echo', 'gone__echo', 'refused__whoami']) {
      const text = await client.callTool({ name, arguments: { text: 'x' } }).then(
        (r) => JSON.stringify(r),
        (err: Error) => err.message,
      );
      errors.push(text);
      assertClean(`error for ${name}`, text);
    }
    expect(errors.join('\n')).toMatch(/refused|gone|Unknown tool|not found/i);
  });

  it('health bodies hold no secret, but still say why a server is down', async () => {
    const origin = new URL(handle.url).origin;
    for (const path of ['/healthz', '/readyz']) {
      const body = await (await fetch(`${origin}${path}`)).text();
      assertClean(path, body);
    }
    const refused = gateway.health().upstreams.find((u) => u.name === 'refused');
    expect(refused?.error).toMatch(/ECONNREFUSED|fetch failed/);
    assertClean('health()', JSON.stringify(gateway.health()));
  });

  it('when the working upstream goes away, the errors its callers get hold no secret', async () => {
    // It stops accepting at once; the close itself waits for the gateway's open stream (ended in afterAll).
    upstreamClosed = upstream.close();
    const texts: string[] = [];
    for (let i = 0; i < 3; i++) {
      texts.push(
        await client.callTool({ name: 'ok__echo', arguments: { text: 'x' } }).then(
          (r) => JSON.stringify(r),
          (err: Error) => err.message,
        ),
      );
    }
    expect(texts.join('\n')).toMatch(/Server 'ok' failed/);
    for (const text of texts) assertClean('error after the upstream went away', text);
    assertClean('health() after ok went away', JSON.stringify(gateway.health()));
  });

  it('no log line at any level holds the secret', async () => {
    expect(lines.length).toBeGreaterThan(5);
    expect(lines.some((l) => l.includes('upstream down'))).toBe(true);
    for (const line of lines) assertClean('log line', line);
  });

  it('logging the config itself redacts every secret-bearing field', () => {
    logger.info({ config: gateway.config }, 'config');
    logger.debug({ servers: gateway.config.servers }, 'servers');
    const last = lines.slice(-2).join('\n');
    expect(last).toContain('"refused"');
    assertClean('logged config', last);
  });

});
