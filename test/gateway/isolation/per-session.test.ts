// Per-session isolation: each 2025-era session gets its own child, closed with the session; 2026-era requests
// have no session, so they share their principal's instance (never another principal's).
import type { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/core/index.js';
import { Gateway } from '../../../src/gateway/gateway.js';
import { killAll, waitGone } from '../../helpers/process.js';
import { FAST_RESTART, gatewayConfig, stdioServer } from '../fixtures/helpers.js';
import { clientAs, testPrincipal, text } from './fixtures.js';

const seen = new Set<number>();
afterAll(() => killAll(seen));

describe('isolation: per-session', () => {
  it('runs one child per session, stops it when the session ends, and keys 2026-era calls by principal', async () => {
    const gateway = new Gateway(gatewayConfig(stdioServer('iso', { isolation: 'per-session' })), { logger: silentLogger, restart: FAST_RESTART });
    gateway.use(testPrincipal);
    await gateway.start();
    const http = await gateway.serveHttp({ port: 0 });
    const clients: Client[] = [];
    const as = async (who: string, era: 'legacy' | 'modern') => {
      const c = await clientAs(http.url, era, { 'x-test-principal': who });
      clients.push(c);
      return c;
    };
    const pidOf = async (c: Client) => {
      const pid = Number((await text(c, 'iso__whoami')).split(':')[1]);
      seen.add(pid);
      return pid;
    };
    try {
      const first = await as('alice', 'legacy');
      const second = await as('alice', 'legacy');
      const p1 = await pidOf(first);
      const p2 = await pidOf(second);
      expect(p2).not.toBe(p1);
      expect(await pidOf(first)).toBe(p1);
      // DELETE ends the session; its child goes with it.
      await (first.transport as StreamableHTTPClientTransport).terminateSession();
      await waitGone(p1);
      expect(await pidOf(second)).toBe(p2);

      const m1 = await pidOf(await as('carol', 'modern'));
      const m2 = await pidOf(await as('carol', 'modern'));
      const other = await pidOf(await as('dave', 'modern'));
      expect(m2).toBe(m1);
      expect(other).not.toBe(m1);
    } finally {
      await Promise.allSettled(clients.map((c) => c.close()));
      await http.close();
      await gateway.close();
    }
    await waitGone([...seen]);
  }, 90_000);
});
