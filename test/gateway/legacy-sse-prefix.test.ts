// The legacy SSE transport behind a reverse proxy that mounts the gateway under a path prefix (strips `/team` and
// says so in X-Forwarded-Prefix, as Traefik's StripPrefix does): the `endpoint` event names `/team/messages?…` when
// the proxy is trusted (`listen.trustedProxies`), so the official SDK v1 client's POSTs come back through the proxy;
// from a peer not trusted, or with a value that is not a plain path, the prefix is not taken.
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { stringify } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { Gateway, type HttpHandle, parseConfig, silentLogger } from '../../src/index.js';
import { fixtureServer } from './fixtures/cli.js';
import { prefixProxy } from './helpers/prefix-proxy.js';
import { openSse } from './helpers/sse-stream.js';

const running: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const stop of running.splice(0).reverse()) await stop();
});

async function start(listen: Record<string, unknown>) {
  const config = parseConfig(stringify({ listen: { host: '127.0.0.1', port: 0, ...listen }, servers: { demo: fixtureServer('demo') } }), { format: 'yaml' });
  const gateway = new Gateway(config, { logger: silentLogger });
  await gateway.start();
  const handle: HttpHandle = await gateway.serveHttp({ port: 0 });
  running.push(() => gateway.close(), () => handle.close());
  return new URL(handle.url).origin;
}

async function behind(target: string, prefix: string, said?: string) {
  const proxy = await prefixProxy(target, prefix, said);
  running.push(() => proxy.close());
  return proxy.origin;
}

/** The path the first `endpoint` event names (its session id taken out). */
async function endpointAt(url: string): Promise<string> {
  const stream = await openSse(url);
  try {
    return (await stream.next((e) => e.event === 'endpoint')).data.replace(/sessionId=[^&]+/, 'sessionId=…');
  } finally {
    stream.close();
  }
}

describe('legacy SSE behind a proxy that adds a path prefix', () => {
  it('names the prefixed messages path to a client of a trusted proxy, and the SDK v1 client works through it', async () => {
    const proxy = await behind(await start({ trustedProxies: ['loopback'] }), '/team');
    expect(await endpointAt(`${proxy}/team/sse`)).toBe('/team/messages?sessionId=…');
    // Given the MCP URL itself too.
    expect(await endpointAt(`${proxy}/team/mcp`)).toBe('/team/messages?sessionId=…');

    const client = new V1Client({ name: 'sse-behind-prefix', version: '1.0.0' });
    await client.connect(new SSEClientTransport(new URL(`${proxy}/team/sse`)));
    try {
      expect((await client.listTools()).tools.map((t) => t.name)).toContain('demo__echo');
      expect(await client.callTool({ name: 'demo__echo', arguments: { text: 'through the prefix' } })).toMatchObject({ content: [{ type: 'text', text: 'demo: through the prefix' }] });
    } finally {
      await client.close();
    }
  });

  it('takes no prefix from a proxy not trusted, nor one that is not a plain absolute path', async () => {
    const untrusted = await behind(await start({}), '/team');
    expect(await endpointAt(`${untrusted}/team/sse`)).toBe('/messages?sessionId=…');

    const target = await start({ trustedProxies: ['loopback'] });
    for (const said of ['/a/../b', 'team', '//evil.example/x', '/a?b=c', '/a b']) {
      expect(await endpointAt(`${await behind(target, '/team', said)}/team/sse`)).toBe('/messages?sessionId=…');
    }
    // A trailing slash is not part of it.
    expect(await endpointAt(`${await behind(target, '/team', '/team/')}/team/sse`)).toBe('/team/messages?sessionId=…');
  });
});
