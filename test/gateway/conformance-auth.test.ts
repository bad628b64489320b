// The official conformance suite through a gateway that requires an API key: a proxy on 127.0.0.1 adds the key
// (the suite's CLI sends no headers), so every scenario runs as an authenticated caller and must pass as without
// authentication; the gateway itself refuses the same requests without the key.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApiKey } from '../../src/index.js';
import { expectGatePasses } from '../conformance/expect-gate.js';
import { checkConformance, formatReport } from '../conformance/gate.js';
import { type GatewayOverFixture, startGatewayOverFixture } from './helpers/conformance-gateway.js';
import { type HeaderProxy, headerProxy } from './helpers/header-proxy.js';

const KEY = newApiKey();

describe('official conformance suite through a gateway with API-key authentication', () => {
  let running: GatewayOverFixture | undefined;
  let proxy: HeaderProxy | undefined;

  beforeAll(async () => {
    running = await startGatewayOverFixture('http', { auth: { apiKeys: { [KEY.hash]: { id: 'conformance', scopes: ['tools'] } } }, authenticated: true });
    proxy = await headerProxy(running.url, { authorization: `Bearer ${KEY.key}` });
  }, 60_000);
  afterAll(async () => {
    await proxy?.close();
    await running?.close();
  }, 30_000);

  it('refuses a caller without the key (401 with a Bearer challenge)', async () => {
    const res = await fetch(running!.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
  });

  it('passes every required scenario of 2025-11-25 and 2026-07-28 as an authenticated caller', { timeout: 240_000 }, async () => {
    const outcome = await checkConformance('gateway-http', { url: proxy!.url, label: 'vitest-gateway-auth', timeoutMs: 180_000 });
    console.log(formatReport('gateway (API key)', outcome));
    expectGatePasses(outcome);
  });
});
