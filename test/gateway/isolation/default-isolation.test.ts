// The isolation default: a stateful 2025-era HTTP upstream gets a connection per principal once the gateway
// authenticates callers (GatewayConfig.authenticated, set by the auth section); otherwise everything is shared.
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/core/index.js';
import { Gateway } from '../../../src/gateway/gateway.js';
import type { HttpHandle } from '../../../src/server/index.js';
import { buildUpstream } from '../fixtures/upstream.js';
import { FAST_RESTART, gatewayConfig, httpServer } from '../fixtures/helpers.js';
import { clientAs, testPrincipal, text } from './fixtures.js';

let upstream: HttpHandle;
beforeAll(async () => {
  upstream = await buildUpstream('up').serveHttp({ port: 0 });
});
afterAll(() => upstream.close());

async function instancesAfterTwoCallers(authenticated: boolean, protocol: string) {
  const config = { ...gatewayConfig(httpServer('up', upstream.url, { protocol })), authenticated };
  const gateway = new Gateway(config, { logger: silentLogger, restart: FAST_RESTART });
  gateway.use(testPrincipal);
  await gateway.start();
  const http = await gateway.serveHttp({ port: 0 });
  const clients: Client[] = [];
  try {
    for (const who of ['alice', 'bob']) {
      const c = await clientAs(http.url, 'legacy', { 'x-test-principal': who });
      clients.push(c);
      expect(await text(c, 'up__echo', { text: who })).toBe(`up: ${who}`);
    }
    return ((gateway.health().upstreams[0] as { instances?: unknown[] }).instances ?? []).length;
  } finally {
    await Promise.allSettled(clients.map((c) => c.close()));
    await http.close();
    await gateway.close();
  }
}

describe('isolation when none is configured', () => {
  it('is per-principal for a 2025-era HTTP upstream when callers are authenticated', async () => {
    expect(await instancesAfterTwoCallers(true, '2025-11-25')).toBe(2);
  });
  it('is shared without authentication', async () => {
    expect(await instancesAfterTwoCallers(false, '2025-11-25')).toBe(0);
  });
  it('is shared for a stateless 2026-era upstream, authenticated or not', async () => {
    expect(await instancesAfterTwoCallers(true, '2026-07-28')).toBe(0);
  });
});
