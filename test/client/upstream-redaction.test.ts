// Where the client layer turns upstream failures into text (connect failures, the supervisor's last error, wire
// errors for callers), credentials are scrubbed, even for a spec that still carries URL user-info.
import { createServer } from 'node:net';
import { SdkError, SdkErrorCode } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import { Supervisor } from '../../src/client/supervisor.js';
import { Upstream, type UpstreamHooks } from '../../src/client/upstream.js';
import { upstreamError } from '../../src/client/upstream-errors.js';
import { moveUrlCredentials, specSecrets } from '../../src/client/upstream-spec.js';
import { WireError } from '../../src/core/index.js';
import { createLogger } from '../../src/server/logger.js';
import { nextEvent } from './helpers.js';

const S = 'Zq9-canary-secret';

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

const hooks: UpstreamHooks = { onRequest: async () => ({}), onNotification() {}, onListChanged() {}, onStatus() {} };
const upstreams: Upstream[] = [];
afterEach(async () => {
  await Promise.all(upstreams.splice(0).map((u) => u.stop()));
});

describe('Upstream connect failures', () => {
  it('hold no credentials from the URL, its query or the headers, in status, errors or logs', async () => {
    const lines: string[] = [];
    const log = createLogger('test', 'trace', { write: (l: string) => void lines.push(l) });
    // A spec built in code, not through the config: the URL still has user-info, which fetch refuses by quoting it.
    const url = `http://me:${S}@127.0.0.1:${await closedPort()}/mcp?key=${S}`;
    const spec = { name: 'web', transport: 'http' as const, url, headers: { 'X-Api-Key': S }, timeoutMs: 1000, connectTimeoutMs: 2000 };
    const up = new Upstream(spec, { log, hooks, clientInfo: { name: 't', version: '1' }, supervisor: { initialDelayMs: 10_000 } });
    upstreams.push(up);
    up.start();
    await up.firstAttempt();
    const error = up.status().error ?? '';
    expect(error).toMatch(/^Cannot connect to upstream 'web' at http:\/\/127\.0\.0\.1:\d+\/mcp: /);
    expect(error).not.toContain(S);
    expect(up.unavailable().message).not.toContain(S);
    await expect(up.request('tools/list', undefined)).rejects.toThrow(/unavailable/);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).not.toContain(S);
  });
});

describe('Supervisor lastError', () => {
  it('is scrubbed of URL credentials and credential fields, in health and in its log line', async () => {
    const lines: string[] = [];
    const log = createLogger('test', 'trace', { write: (l: string) => void lines.push(l) });
    const sup = new Supervisor(
      'x',
      () => Promise.reject(new Error(`connect to https://u:${S}@h.example/mcp?token=${S} failed; Authorization: Bearer ${S}`)),
      { log, initialDelayMs: 10_000 },
    );
    const down = nextEvent(sup, 'down', 5000);
    sup.start();
    await down;
    await sup.stop();
    expect(sup.lastError).toBe('connect to https://h.example/mcp?[redacted] failed; Authorization: [redacted]');
    expect(lines.some((l) => l.includes('upstream down'))).toBe(true);
    for (const line of lines) expect(line).not.toContain(S);
  });
});

describe('upstreamError', () => {
  it('scrubs SDK and other error text, and wire errors from the upstream', () => {
    const sdk = new SdkError(SdkErrorCode.InvalidResult, `bad answer from http://a:${S}@h/x?k=${S}`);
    expect(upstreamError('s', sdk, 1000).message).toBe("Server 's' failed: bad answer from http://h/x?[redacted]");
    expect(upstreamError('s', new Error(`sent x-api-key: ${S}`), 1000).message).toBe("Server 's' failed: sent x-api-key: [redacted]");
    expect(upstreamError('s', new Error(`echo ${S}`), 1000, undefined, [S]).message).toBe("Server 's' failed: echo [redacted]");
    const wire = upstreamError('s', new WireError(-32602, `invalid api_key=${S}`, { n: 1 }), 1000);
    expect([wire.code, wire.message, wire.data]).toEqual([-32602, 'invalid api_key=[redacted]', { n: 1 }]);
  });
});

describe('URL credentials', () => {
  it('move from user-info into an Authorization: Basic header, decoded', () => {
    const moved = moveUrlCredentials(`https://al%40ice:p%3Ass@h.example/mcp?x=1`, { 'X-Other': 'v' });
    expect(moved.url).toBe('https://h.example/mcp?x=1');
    expect({ ...moved.headers }).toEqual({ 'X-Other': 'v', Authorization: `Basic ${Buffer.from('al@ice:p:ss').toString('base64')}` });
  });
  it('leave URLs without user-info alone, and an explicit Authorization header wins', () => {
    const headers = { 'X-Other': 'v' };
    expect(moveUrlCredentials('https://h/mcp', headers)).toEqual({ url: 'https://h/mcp', headers });
    const own = { authorization: 'Bearer t' };
    expect(moveUrlCredentials('https://u:p@h/mcp', own)).toEqual({ url: 'https://h/mcp', headers: own });
  });
  it('specSecrets lists header tokens, the Basic password, URL password and query values, secret-named env', () => {
    const http = specSecrets({ name: 'a', transport: 'http', url: `https://h/m?k=${S}`, headers: { Authorization: `Basic ${Buffer.from(`u:${S}1`).toString('base64')}`, 'X-K': 'Bearer tok123' }, timeoutMs: 1, connectTimeoutMs: 1 });
    expect(http).toEqual(expect.arrayContaining([`${S}1`, 'tok123', S]));
    const stdio = specSecrets({ name: 'b', transport: 'stdio', command: 'x', args: [], env: { GITHUB_TOKEN: S, HOME: '/root' }, timeoutMs: 1, connectTimeoutMs: 1 });
    expect(stdio).toEqual([S]);
  });
});
