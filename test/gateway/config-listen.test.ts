// The HTTP edge's limits are settable under `listen:` in the gateway config: parsed and checked with errors
// naming the path, absent ones left to the server's defaults, and applied by Gateway.serveHttp().
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} in plain strings is the config syntax under test
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { silentLogger } from '../../src/core/index.js';
import { parseConfig } from '../../src/gateway/config/index.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { createLogger, type HttpHandle } from '../../src/index.js';
import { rejection } from '../helpers/config.js';
import { JSON_HEADERS, modernMeta, rawRequest, rpcMessage } from '../helpers/http.js';
import { waitUntil } from '../helpers/process.js';
import { fixtureServer } from './fixtures/cli.js';

const parse = (yaml: string, env: NodeJS.ProcessEnv = {}) => parseConfig(yaml, { format: 'yaml', env });
const issues = (yaml: string): string[] => rejection(() => parse(yaml));

const FULL = `listen:
  host: 127.0.0.1
  port: 0
  allowedHosts: [localhost, gw.internal]
  allowedOrigins: ["*"]
  maxBodyBytes: 1024
  maxBufferedBytes: 1048576
  maxSessions: 50
  maxSessionsPerClient: 5
  sessionIdleTtlMs: 60000
  maxInflightPerSession: 8
  maxBatchSize: 10
  maxConnections: 100
  maxListenStreams: 4
  headersTimeoutMs: 5000
  requestTimeoutMs: "\${REQ_TIMEOUT:-20000}"
  keepAliveTimeoutMs: 3000
  readinessDetail: minimal
servers: {}
`;

describe('listen limits in the config file', () => {
  it('are parsed into config.listen (numbers from the environment too)', () => {
    expect(parse(FULL).listen).toEqual({
      host: '127.0.0.1',
      port: 0,
      path: '/mcp',
      allowedHosts: ['localhost', 'gw.internal'],
      allowedOrigins: ['*'],
      maxBodyBytes: 1024,
      maxBufferedBytes: 1048576,
      maxSessions: 50,
      maxSessionsPerClient: 5,
      sessionIdleTtlMs: 60000,
      maxInflightPerSession: 8,
      maxBatchSize: 10,
      maxConnections: 100,
      maxListenStreams: 4,
      headersTimeoutMs: 5000,
      requestTimeoutMs: 20000,
      keepAliveTimeoutMs: 3000,
      readinessDetail: 'minimal',
    });
  });

  it('absent ones stay absent, so the server defaults apply', () => {
    expect(parse('listen: { port: 9000 }\nservers: {}\n').listen).toEqual({ host: '127.0.0.1', port: 9000, path: '/mcp' });
  });

  it('a single host name is accepted where a list is expected', () => {
    expect(parse('listen: { allowedHosts: gw.internal }\nservers: {}\n').listen.allowedHosts).toEqual(['gw.internal']);
  });

  it('bad values are refused, each naming its path', () => {
    expect(
      issues(`listen:
  maxSessions: 0
  maxBodyBytes: lots
  sessionIdleTtlMs: -5
  allowedHosts: 5
  allowedOrigins: [""]
  readinessDetail: everyone
  maxSesions: 3
servers: {}
`).sort(),
    ).toEqual(
      [
      'listen.maxSessions: expected a positive integer',
      'listen.maxBodyBytes: expected a positive integer',
      'listen.sessionIdleTtlMs: expected a positive integer (milliseconds)',
      'listen.allowedHosts: expected a list of host names (e.g. [localhost, gateway.internal])',
      'listen.allowedOrigins[0]: expected a non-empty name',
      'listen.readinessDetail: expected one of local, full, minimal',
      "listen.maxSesions: unknown key (did you mean 'maxSessions'?)",
      ].sort(),
    );
  });
});

describe('Gateway.serveHttp() applies them', () => {
  let gateway: Gateway | undefined;
  let http: HttpHandle | undefined;
  afterEach(async () => {
    await http?.close();
    await gateway?.close();
  });

  it('body cap, allowed hosts and readiness detail from the file', async () => {
    gateway = new Gateway(parse(FULL), { logger: silentLogger });
    await gateway.start();
    http = await gateway.serveHttp();
    const origin = new URL(http.url).origin;
    const big = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { pad: 'x'.repeat(2048) } });
    const tooLarge = await rawRequest(http.url, { headers: { ...JSON_HEADERS, host: 'gw.internal' }, body: big });
    expect(tooLarge.status).toBe(413);
    expect(rpcMessage(tooLarge).error?.message).toBe('Request body too large: the limit is 1024 bytes');
    // 127.0.0.1 is not in allowedHosts any more: the file's list replaced the loopback default.
    expect((await rawRequest(`${origin}/readyz`, { method: 'GET' })).status).toBe(403);
    const ready = await rawRequest(`${origin}/readyz`, { method: 'GET', headers: { host: 'gw.internal' } });
    expect(JSON.parse(ready.text)).toEqual({ status: 'ready', ready: true });
  });
});

describe('listen.cors', () => {
  it('names the origins whose pages may call, and how long a preflight holds', () => {
    expect(parse('listen: { cors: { origins: [http://localhost:6274, https://app.example.com], maxAgeSeconds: 60 } }\nservers: {}\n').listen.cors).toEqual({
      origins: ['http://localhost:6274', 'https://app.example.com'],
      maxAgeSeconds: 60,
    });
  });

  it('refuses what is not an origin, each naming its path and the fix', () => {
    expect(
      issues(`listen:
  cors:
    origins: [https://app.example.com/callback, ftp://files.example.com, app.example.com, https://app.example.com:443]
    maxAgeSeconds: -1
servers: {}
`).sort(),
    ).toEqual(
      [
        "listen.cors.origins[0]: 'https://app.example.com/callback' is not an origin: no path, query or user; write https://app.example.com",
        "listen.cors.origins[1]: 'ftp://files.example.com' is not an http(s) origin",
        "listen.cors.origins[2]: 'app.example.com' is not an origin; expected scheme://host[:port] (e.g. https://app.example.com) or '*'",
        "listen.cors.origins[3]: 'https://app.example.com:443' is not an origin: no path, query or user; write https://app.example.com",
        'listen.cors.maxAgeSeconds: expected seconds (0-86400)',
      ].sort(),
    );
    expect(issues('listen: { cors: { origins: [] } }\nservers: {}\n')).toEqual(['listen.cors.origins: expected at least one origin']);
  });

  it("takes '*' only with authentication: otherwise any web page could call the gateway's tools", () => {
    const star = 'listen: { cors: { origins: ["*"] } }\nservers: {}\n';
    const refusal = "listen.cors.origins: '*' lets any web page a person opens call this gateway's tools: configure auth (apiKeys, jwt, introspection or mtls, without anonymous) or name the origins";
    expect(issues(star)).toEqual([refusal]);
    expect(issues(`${star}auth: { apiKeys: { "sha256:${'a'.repeat(64)}": { id: ops } }, anonymous: true }\n`)).toEqual([refusal]);
    expect(parse(`${star}auth: { apiKeys: { "sha256:${'a'.repeat(64)}": { id: ops } } }\n`).listen.cors).toEqual({ origins: ['*'] });
  });
});

describe('listen.trustedProxies', () => {
  it('takes addresses, CIDR ranges and the named ranges; refuses anything else naming the entry', () => {
    expect(parse('listen: { trustedProxies: [loopback, 10.0.0.0/8, "fd00::/8", 192.168.1.7] }\nservers: {}\n').listen.trustedProxies).toEqual(['loopback', '10.0.0.0/8', 'fd00::/8', '192.168.1.7']);
    expect(issues('listen: { trustedProxies: [lb.internal, 10.0.0.0/33] }\nservers: {}\n')).toEqual([
      'listen.trustedProxies: invalid IP address: lb.internal: expected IP addresses or CIDR ranges (e.g. 10.0.0.0/8), or loopback, linklocal, uniquelocal',
    ]);
    expect(issues('listen: { trustedProxies: 10.0.0.1 }\nservers: {}\n')).toEqual(['listen.trustedProxies: expected IP addresses or CIDR ranges (e.g. 10.0.0.0/8), or loopback, linklocal, uniquelocal']);
  });

  it('a page at the public origin the proxy forwards is the gateway’s own (Origin), when allowedHosts names its host', async () => {
    const config = parse(stringify({ listen: { trustedProxies: ['loopback'], allowedHosts: ['localhost', '127.0.0.1', 'mcp.example.com'] }, servers: {} }));
    const gateway = new Gateway(config, { logger: silentLogger });
    await gateway.start();
    const http = await gateway.serveHttp();
    try {
      const initialize = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } });
      const from = (origin: string, forwarded: Record<string, string>) => rawRequest(http.url, { headers: { ...JSON_HEADERS, origin, ...forwarded, connection: 'close' }, body: initialize });
      const proxied = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'mcp.example.com' };
      expect((await from('https://mcp.example.com', proxied)).status).toBe(200);
      // Not without the proxy's word for it, another scheme, nor a host the gateway does not serve.
      expect((await from('https://mcp.example.com', {})).status).toBe(403);
      expect((await from('http://mcp.example.com', proxied)).status).toBe(403);
      expect((await from('https://evil.example', { ...proxied, 'x-forwarded-host': 'evil.example' })).status).toBe(403);
      // The gateway reached by a served name directly (Host), its page is its own too.
      const direct = await rawRequest(http.url, { headers: { ...JSON_HEADERS, host: 'mcp.example.com', origin: 'http://mcp.example.com', connection: 'close' }, body: initialize });
      expect(direct.status).toBe(200);
    } finally {
      await http.close();
      await gateway.close();
    }
  });

  describe('count each client behind the proxy as its own (maxSessionsPerClient)', () => {
    let gateway: Gateway | undefined;
    let http: HttpHandle | undefined;
    afterEach(async () => {
      await http?.close();
      await gateway?.close();
    });

    /** A 2026-era call of demo__echo from the client at `address`, as the proxy tells it. */
    async function echoFrom(url: string, address: string, proxied: Record<string, string> = { 'x-forwarded-for': address }) {
      const call = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'demo__echo', arguments: { text: 'hi' }, _meta: modernMeta() } };
      const headers = { ...JSON_HEADERS, 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'demo__echo', ...proxied, connection: 'close' };
      return rpcMessage(await rawRequest(url, { headers, body: JSON.stringify(call) }));
    }

    const initialize = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } });
    const list = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} });
    /** A session opened by the client at `address` (as the proxy tells it); answers whether it is still there. */
    async function openAs(url: string, address: string): Promise<() => Promise<number>> {
      // A connection each: the agent's pooled one may be to the previous test's server on the same port.
      const headers = { ...JSON_HEADERS, 'x-forwarded-for': address, connection: 'close' };
      const opened = await rawRequest(url, { headers, body: initialize });
      expect(opened.status).toBe(200);
      const session = { ...headers, 'mcp-session-id': String(opened.headers['mcp-session-id']), 'mcp-protocol-version': '2025-11-25' };
      return async () => (await rawRequest(url, { headers: session, body: list })).status;
    }

    it('the audit log and the request line name the client behind the proxy', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'trusted-proxies-'));
      const lines: Array<Record<string, unknown>> = [];
      const logger = createLogger('gw', { level: 'info', modules: { requests: 'info' } }, { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) });
      try {
        const config = parse(stringify({ listen: { trustedProxies: ['loopback'] }, servers: { demo: fixtureServer('demo') }, audit: { path: join(dir, 'audit.db') }, logging: { requests: 'info' } }));
        gateway = new Gateway(config, { logger });
        await gateway.start();
        http = await gateway.serveHttp();
        expect((await echoFrom(http.url, '203.0.113.9')).result).toBeDefined();
        // The admin API from this machine (no proxy header): the record of the call names where it came from.
        const audit = new URL('/admin/audit?client=203.0.113.9', http.url).href;
        const records = await waitUntil(async () => {
          const found = ((await (await fetch(audit)).json()) as { records: Array<Record<string, unknown>> }).records;
          return found.length > 0 ? found : undefined;
        }, 5000, 'the audit record');
        expect(records).toEqual([expect.objectContaining({ method: 'tools/call', target: 'demo__echo', client: '203.0.113.9' })]);
        expect(lines.find((l) => l.msg === 'request' && l.method === 'tools/call')).toMatchObject({ client: '203.0.113.9' });
      } finally {
        await http?.close();
        await gateway?.close();
        http = undefined;
        gateway = undefined;
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('rate limits per client count each client behind the proxy (policy.rateLimits per: [client])', async () => {
      const config = parse(stringify({ listen: { trustedProxies: ['loopback'] }, servers: { demo: fixtureServer('demo') }, policy: { rateLimits: [{ per: ['client'], limit: 2, windowMs: 600_000 }] } }));
      gateway = new Gateway(config, { logger: silentLogger });
      await gateway.start();
      http = await gateway.serveHttp();
      const from = (address: string) => echoFrom(http!.url, address);
      expect((await from('203.0.113.1')).result).toBeDefined();
      expect((await from('203.0.113.1')).result).toBeDefined();
      expect((await from('203.0.113.1')).error).toMatchObject({ code: -32012, message: expect.stringContaining('per client') });
      // Another client behind the same proxy (and one of the same IPv6 /64 counts as the same).
      expect((await from('203.0.113.2')).result).toBeDefined();
      expect((await from('2001:db8:1:2::1')).result).toBeDefined();
      expect((await from('2001:db8:1:2::ffff')).result).toBeDefined();
      expect((await from('2001:db8:1:2:abcd::9')).error).toMatchObject({ code: -32012 });
    });

    it('with proxyHeaders: forwarded, the client is read from RFC 7239 Forwarded, and X-Forwarded-For is not', async () => {
      expect(issues('listen: { proxyHeaders: x-real-ip }\nservers: {}\n')).toEqual(['listen.proxyHeaders: expected x-forwarded or forwarded (the headers the trusted proxies write)']);
      const config = parse(stringify({ listen: { trustedProxies: ['loopback'], proxyHeaders: 'forwarded' }, servers: { demo: fixtureServer('demo') }, policy: { rateLimits: [{ per: ['client'], limit: 1, windowMs: 600_000 }] } }));
      gateway = new Gateway(config, { logger: silentLogger });
      await gateway.start();
      http = await gateway.serveHttp();
      const from = (forwarded: Record<string, string>) => echoFrom(http!.url, '', forwarded);
      expect((await from({ forwarded: 'for=203.0.113.1;proto=https' })).result).toBeDefined();
      expect((await from({ forwarded: 'for=203.0.113.1' })).error).toMatchObject({ code: -32012 });
      expect((await from({ forwarded: 'for="[2001:db8:1:2::1]:4711"' })).result).toBeDefined();
      // X-Forwarded-For naming a client already counted is not read: the caller is the proxy (127.0.0.1) itself.
      expect((await from({ 'x-forwarded-for': '203.0.113.2' })).result).toBeDefined();
      expect((await from({ 'x-forwarded-for': '203.0.113.3' })).error).toMatchObject({ code: -32012 });
    });

    for (const trusted of [true, false]) {
      it(trusted ? 'trusted: two clients keep a session each' : 'not trusted: the proxy is one client, the second session closes the first', async () => {
        const listen = `listen: { maxSessionsPerClient: 1${trusted ? ', trustedProxies: [loopback]' : ''} }\nservers: {}\n`;
        gateway = new Gateway(parse(listen), { logger: silentLogger });
        await gateway.start();
        http = await gateway.serveHttp();
        const first = await openAs(http.url, '203.0.113.1');
        const second = await openAs(http.url, '203.0.113.2');
        expect(await second()).toBe(200);
        expect(await first()).toBe(trusted ? 200 : 404);
      });
    }
  });
});
