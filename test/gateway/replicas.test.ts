// GET /admin/replicas: which replicas are alive and how each is doing, asked of any one of them. With `cluster:`
// each announces itself in Redis every few seconds (a TTL drops one that crashed) and leaves when it stops; without
// it, the gateway lists itself. Each report carries its audit store's state.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { Gateway } from '../../src/gateway/gateway.js';
import type { HttpHandle } from '../../src/server/index.js';
import { silentLogger } from '../../src/core/logger.js';
import { parseConfig } from '../../src/index.js';
import { sharedRedisUrl, uniquePrefix } from '../helpers/own-redis.js';
import { waitUntil } from '../helpers/process.js';
import { fixtureServer } from './fixtures/cli.js';
import { FAST_RESTART, gatewayConfig, stdioServer } from './fixtures/helpers.js';

const redisUrl = sharedRedisUrl('replicas listed across the cluster');
const dir = mkdtempSync(join(tmpdir(), 'mcplex-replicas-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Listed {
  id: string;
  self: boolean;
  ready: boolean;
  pid: number;
  startedAt: string;
  upstreams: Record<string, string>;
  sessions?: number;
  audit?: { sink: string; store: string; backlog: number };
}
const listed = async (http: HttpHandle) => {
  const res = await fetch(new URL('/admin/replicas', http.url));
  expect(res.status).toBe(200);
  return ((await res.json()) as { replicas: Listed[] }).replicas;
};

async function serving(config: object): Promise<{ gateway: Gateway; http: HttpHandle }> {
  const gateway = new Gateway(config as never, { logger: silentLogger, restart: FAST_RESTART });
  await gateway.start();
  return { gateway, http: await gateway.serveHttp({ port: 0 }) };
}

describe('GET /admin/replicas', () => {
  it('without cluster: lists this gateway alone', async () => {
    const one = await serving(gatewayConfig(stdioServer('up')));
    try {
      const [me, ...rest] = await listed(one.http);
      expect(rest).toEqual([]);
      expect(me).toMatchObject({ self: true, ready: true, pid: process.pid, upstreams: { up: 'up' }, sessions: 0 });
    } finally {
      await one.http.close();
      await one.gateway.close();
    }
  });

  it.skipIf(!redisUrl)('with cluster: lists every replica through any of them, and drops one that stops', async () => {
    const cluster = { redis: { url: redisUrl!, keyPrefix: uniquePrefix('replicas') } };
    const config = { ...gatewayConfig(stdioServer('up')), cluster };
    // A keeps an audit log (SQLite); B none.
    const withAudit = parseConfig(stringify({ servers: { up: fixtureServer('up') }, audit: { path: join(dir, 'audit.db') }, cluster }), { format: 'yaml' });
    const [a, b] = [await serving(withAudit), await serving(config)];
    let bOpen = true;
    try {
      // Each announced itself; the other's report is at most a few seconds old (its upstream up by then).
      const both = await waitUntil(async () => {
        const l = await listed(a.http);
        return l.length === 2 && l.every((r) => r.upstreams.up === 'up') ? l : undefined;
      }, 15_000, 'both replicas listed with their upstream up');
      expect(both.filter((r) => r.self)).toHaveLength(1);
      expect(new Set(both.map((r) => r.id)).size).toBe(2);
      const fromB = await listed(b.http);
      expect(fromB.map((r) => r.id).sort()).toEqual(both.map((r) => r.id).sort());
      expect(fromB.find((r) => r.self)!.id).not.toBe(both.find((r) => r.self)!.id);
      // Each one's audit store as it reported it: A's SQLite up, B without one.
      expect(fromB.find((r) => !r.self)!.audit).toMatchObject({ sink: 'sqlite', store: 'up' });
      expect(fromB.find((r) => r.self)!.audit).toBeUndefined();
      // B stops: it leaves the directory.
      await b.http.close();
      await b.gateway.close();
      bOpen = false;
      const left = await listed(a.http);
      expect(left).toHaveLength(1);
      expect(left[0]!.self).toBe(true);
    } finally {
      if (bOpen) {
        await b.http.close();
        await b.gateway.close();
      }
      await a.http.close();
      await a.gateway.close();
    }
  });
});
