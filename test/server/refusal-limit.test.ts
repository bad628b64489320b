// Refused credentials per client address (RefusalLimit at the HTTP edge) and the client address behind trusted
// proxies (X-Forwarded-For): past the bound an address's unverified credentials are answered 429 with Retry-After,
// unchecked; a credential verified recently still gets in from there; other addresses are untouched; a client
// cannot escape by naming another address in front of the proxy's. Real framework servers on 127.0.0.1.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createAuthenticator, createServer, ErrorCode, type HttpHandle, MemoryRateLimitStore, Metrics, newApiKey } from '../../src/index.js';
import { addressKey } from '../../src/middleware/address-key.js';
import { withoutPort } from '../../src/server/http/client-address.js';
import { RefusalLimit } from '../../src/server/http/refusal-limit.js';
import { capturingLogger } from '../helpers/logger.js';
import { modernMeta, post, rpcMessage } from '../helpers/http.js';

const known = newApiKey();
const fresh = newApiKey();
const keys = { [known.hash]: { id: 'known' }, [fresh.hash]: { id: 'fresh' } };
const call = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami', arguments: {}, _meta: modernMeta() } };
const MODERN = { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'whoami' };

async function serve(options: Record<string, unknown>) {
  const log = capturingLogger();
  const metrics = new Metrics();
  const server = createServer({ name: 'who', version: '1.0.0', logger: log, metrics });
  server.tool('whoami', { description: 'Who is calling, from where', input: z.object({}) }, (_a, ctx) => `${ctx.principal.id}@${ctx.call.http?.remoteAddress}`);
  const http = await server.serveHttp({ auth: createAuthenticator({ apiKeys: keys }), ...options });
  return { http, log, metrics };
}

/** `mcp_auth_refusals_total`'s samples as `status error` → count. */
async function refusalCounts(metrics: Metrics): Promise<Record<string, number>> {
  const { body } = await metrics.scrape();
  const counts: Record<string, number> = {};
  for (const [, status, error, n] of body.matchAll(/^mcp_auth_refusals_total\{status="(\d+)",error="(\w+)"\} (\d+)$/gm)) counts[`${status} ${error}`] = Number(n);
  return counts;
}

const ask = (http: HttpHandle, key: string, forwardedFor?: string) => post(http.url, call, { ...MODERN, 'x-api-key': key, ...(forwardedFor !== undefined && { 'x-forwarded-for': forwardedFor }) });
const text = (res: Awaited<ReturnType<typeof post>>) => (rpcMessage(res).result as { content: Array<{ text: string }> }).content[0]!.text;

describe('RefusalLimit', () => {
  it('bounds refusals per address as GCRA does, and warns once per window', () => {
    let now = 1_000_000;
    const warned: string[] = [];
    const limit = new RefusalLimit({ limit: 3, windowMs: 60_000 }, (key) => warned.push(key), () => now);
    for (let i = 0; i < 3; i++) {
      expect(limit.waitFor('203.0.113.7')).toBe(0);
      limit.refused('203.0.113.7');
    }
    // The burst is spent: the next slot frees after a third of the window.
    expect(limit.waitFor('203.0.113.7')).toBe(20_000);
    expect(limit.waitFor('203.0.113.8')).toBe(0);
    expect(warned).toEqual(['203.0.113.7']);
    now += 20_000;
    expect(limit.waitFor('203.0.113.7')).toBe(0);
    limit.refused('203.0.113.7');
    // Full again within the window: no second warning.
    expect(limit.waitFor('203.0.113.7')).toBeGreaterThan(0);
    expect(warned).toHaveLength(1);
  });

  it('given a shared store, replicas count together: one the shared count finds over stops after one more of its own', async () => {
    const shared = new MemoryRateLimitStore();
    const warned: string[] = [];
    const [a, b] = [0, 1].map(() => new RefusalLimit({ limit: 3, windowMs: 60_000 }, (key) => warned.push(key), Date.now, undefined, shared));
    await a!.refused('203.0.113.7');
    await a!.refused('203.0.113.7');
    await b!.refused('203.0.113.7');
    // Three in the shared count: the bound is reached, and the replica that reached it says so.
    expect(warned).toEqual(['203.0.113.7']);
    expect([a!.waitFor('203.0.113.7'), b!.waitFor('203.0.113.7')]).toEqual([0, 0]);
    // Each replica's next refusal is over the shared bound: from then on it checks no more from there.
    await b!.refused('203.0.113.7');
    await a!.refused('203.0.113.7');
    expect(b!.waitFor('203.0.113.7')).toBeGreaterThan(0);
    expect(a!.waitFor('203.0.113.7')).toBeGreaterThan(0);
    expect(a!.waitFor('203.0.113.8')).toBe(0);
    // Alone, each would have allowed three of its own.
    const alone = new RefusalLimit({ limit: 3, windowMs: 60_000 });
    alone.refused('203.0.113.7');
    alone.refused('203.0.113.7');
    expect(alone.waitFor('203.0.113.7')).toBe(0);
  });

  it('counts an IPv6 address by its /64 and an IPv4-mapped one as IPv4', () => {
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe(addressKey('2001:db8:1:2:bbbb::9'));
    expect(addressKey('2001:db8:1:2:aaaa::1')).not.toBe(addressKey('2001:db8:1:3::1'));
    expect(addressKey('::ffff:198.51.100.4')).toBe('198.51.100.4');
    const limit = new RefusalLimit({ limit: 1, windowMs: 60_000 });
    limit.refused('2001:db8:1:2::1');
    expect(limit.waitFor('2001:db8:1:2:ffff::5')).toBeGreaterThan(0);
  });
});

describe('refused credentials at the edge, behind a trusted proxy', () => {
  let http: HttpHandle;
  let log: ReturnType<typeof capturingLogger>;
  let metrics: Metrics;
  beforeAll(async () => {
    ({ http, log, metrics } = await serve({ refusalLimit: { limit: 3, windowMs: 60_000 }, trustedProxies: ['loopback'] }));
  });
  afterAll(() => http?.close());

  it('reads the client from X-Forwarded-For, and refuses an address past the bound with 429 unchecked', async () => {
    // Verified once from this address before it starts guessing.
    expect(text(await ask(http, known.key, '203.0.113.7'))).toBe('known@203.0.113.7');
    for (let i = 0; i < 3; i++) expect((await ask(http, `mcplex_sk_guess${i}`, '203.0.113.7')).status).toBe(401);
    const throttled = await ask(http, 'mcplex_sk_guess3', '203.0.113.7');
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers['retry-after'])).toBe(20);
    expect(rpcMessage(throttled).error).toMatchObject({ code: ErrorCode.RateLimited, message: 'Too many refused credentials from this address; retry in 20 s', data: { limit: 'refusals', retryAfter: 20 } });
    // A valid key not verified lately is not checked either.
    expect((await ask(http, fresh.key, '203.0.113.7')).status).toBe(429);
    // The key verified a moment ago still gets in from there (callers sharing an address behind a NAT).
    expect(text(await ask(http, known.key, '203.0.113.7'))).toBe('known@203.0.113.7');
    // Another client behind the same proxy is untouched.
    expect(text(await ask(http, fresh.key, '203.0.113.8'))).toBe('fresh@203.0.113.8');
    // Naming another address in front of the proxy's does not help: the nearest untrusted one counts.
    expect((await ask(http, 'mcplex_sk_guess4', '198.51.100.1, 203.0.113.7')).status).toBe(429);
    // The proxy's own requests (no X-Forwarded-For) count as its own address.
    expect((await ask(http, 'mcplex_sk_guess5')).status).toBe(401);
    const warnings = log.entries.filter((e) => e.level === 'warn' && e.msg?.startsWith('too many refused credentials'));
    expect(warnings.map((w) => w.obj)).toEqual([{ client: '203.0.113.7', limit: 3, windowMs: 60_000 }]);
    // Counted as the edge answered them.
    expect(await refusalCounts(metrics)).toEqual({ '401 invalid_token': 4, '429 too_many_refusals': 3 });
  });

  it('takes the address without the port some proxies add (Azure writes 203.0.113.9:51234)', async () => {
    expect(text(await ask(http, known.key, '203.0.113.9:51234'))).toBe('known@203.0.113.9');
    expect(text(await ask(http, known.key, '[2001:db8::7]:443'))).toBe('known@2001:db8::7');
    expect(['203.0.113.9', '2001:db8::7', '[2001:db8::7]', 'not-an-address:80'].map(withoutPort)).toEqual(['203.0.113.9', '2001:db8::7', '2001:db8::7', 'not-an-address:80']);
  });

  it('counts only credentials found wrong: none sent is no refusal to count', async () => {
    for (let i = 0; i < 5; i++) expect((await post(http.url, call, { ...MODERN, 'x-forwarded-for': '203.0.113.20' })).status).toBe(401);
    expect(text(await ask(http, fresh.key, '203.0.113.20'))).toBe('fresh@203.0.113.20');
    expect((await refusalCounts(metrics))['401 none']).toBe(5);
  });
});

describe('refused credentials at the edge, no proxy trusted', () => {
  it('ignores X-Forwarded-For: the peer is the client', async () => {
    const { http } = await serve({ refusalLimit: { limit: 2, windowMs: 60_000 } });
    try {
      expect(text(await ask(http, known.key, '203.0.113.7'))).toMatch(/^known@(::ffff:)?127\.0\.0\.1$/);
      for (let i = 0; i < 2; i++) expect((await ask(http, `mcplex_sk_guess${i}`, `203.0.113.${i}`)).status).toBe(401);
      expect((await ask(http, fresh.key, '203.0.113.99')).status).toBe(429);
    } finally {
      await http.close();
    }
  });

  it('with refusalLimit false, never throttles', async () => {
    const { http } = await serve({ refusalLimit: false });
    try {
      for (let i = 0; i < 120; i++) expect((await ask(http, `mcplex_sk_guess${i}`)).status).toBe(401);
      expect(text(await ask(http, fresh.key))).toMatch(/^fresh@/);
    } finally {
      await http.close();
    }
  });
});
