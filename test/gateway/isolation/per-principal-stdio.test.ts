// Per-principal isolation of a stdio upstream: one child per principal, created on first use (pids differ, state
// is not shared), closed when idle past the TTL, capped in number, and none left after the gateway closes.
import { fileURLToPath } from 'node:url';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/core/index.js';
import type { StdioServerConfig } from '../../../src/gateway/config/index.js';
import { Gateway } from '../../../src/gateway/gateway.js';
import { isAlive, killAll, tsxArgs, waitGone, waitUntil } from '../../helpers/process.js';
import { FAST_RESTART, gatewayConfig, stdioServer } from '../fixtures/helpers.js';
import { callFails, clientAs, testPrincipal, text } from './fixtures.js';

const CLI = fileURLToPath(new URL('../../../src/cli/main.ts', import.meta.url));
const seen = new Set<number>();
afterAll(() => killAll(seen));

async function start(...servers: StdioServerConfig[]) {
  const gateway = new Gateway(gatewayConfig(...servers), { logger: silentLogger, restart: FAST_RESTART });
  gateway.use(testPrincipal);
  await gateway.start();
  const http = await gateway.serveHttp({ port: 0 });
  const clients: Client[] = [];
  const as = async (who: string, era: 'legacy' | 'modern' = 'legacy') => {
    const client = await clientAs(http.url, era, { 'x-test-principal': who });
    clients.push(client);
    return client;
  };
  const status = (name: string) => gateway.health().upstreams.find((u) => u.name === name)!;
  const instancePids = (name: string) => ((status(name) as { instances?: { pid?: number }[] }).instances ?? []).map((i) => i.pid!);
  return {
    gateway,
    as,
    status,
    instancePids,
    async close() {
      await Promise.allSettled(clients.map((c) => c.close()));
      await http.close();
      await gateway.close();
    },
  };
}

const pidOf = async (client: Client, tool = 'iso__whoami') => {
  const pid = Number((await text(client, tool)).split(':')[1]);
  seen.add(pid);
  return pid;
};

describe('isolation: per-principal over stdio', { timeout: 90_000 }, () => {
  it('gives each principal its own child (both eras), and state stays with its owner', async () => {
    const notes = stdioServer('notes', { command: process.execPath, args: tsxArgs(CLI, 'demo', 'notes'), isolation: 'per-principal' });
    const g = await start(notes);
    try {
      const alice = await g.as('alice', 'legacy');
      const bob = await g.as('bob', 'modern');
      expect(g.instancePids('notes')).toEqual([]); // created lazily, on first use
      expect(await text(alice, 'notes__add_note', { title: 'secret', text: 'alice only' })).toBe("saved 'secret'");
      const bobs = await bob.callTool({ name: 'notes__list_notes', arguments: {} });
      expect(bobs.structuredContent).toEqual({ titles: [] });
      const alices = await alice.callTool({ name: 'notes__list_notes', arguments: {} });
      expect(alices.structuredContent).toEqual({ titles: ['secret'] });
      const pids = g.instancePids('notes');
      for (const p of pids) seen.add(p);
      expect(pids).toHaveLength(2);
      expect(new Set([...pids, g.status('notes').pid]).size).toBe(3); // two callers' children beside the catalog's
    } finally {
      await g.close();
    }
  });

  it('reuses a principal’s child, evicts the longest idle at the cap, and closes all children on close()', async () => {
    const g = await start(stdioServer('iso', { isolation: 'per-principal', instances: { max: 2, idleTtlMs: 600_000, whenFull: 'evict-idle' } }));
    try {
      const alice = await g.as('alice');
      const bob = await g.as('bob', 'modern');
      const carol = await g.as('carol');
      const a = await pidOf(alice);
      expect(await pidOf(alice)).toBe(a);
      const b = await pidOf(bob);
      expect(b).not.toBe(a);
      const c = await pidOf(carol); // the cap is 2: alice's child, idle the longest, goes
      await waitGone(a);
      expect(g.instancePids('iso').sort()).toEqual([b, c].sort());
      const a2 = await pidOf(alice); // alice comes back: a fresh child; bob's is now the longest idle
      expect(a2).not.toBe(a);
      await waitGone(b);
      const all = [a2, c, g.status('iso').pid!];
      await g.close();
      await waitGone(all);
    } finally {
      await g.close();
    }
  });

  it('closes a child once it has been idle for the TTL', async () => {
    const g = await start(stdioServer('iso', { isolation: 'per-principal', instances: { max: 5, idleTtlMs: 300, whenFull: 'evict-idle' } }));
    try {
      const alice = await g.as('alice');
      const pid = await pidOf(alice);
      expect(isAlive(pid)).toBe(true);
      await waitGone(pid);
      expect(g.instancePids('iso')).toEqual([]);
      expect(await pidOf(alice)).not.toBe(pid); // the next call starts a new one
    } finally {
      await g.close();
    }
  });

  it('refuses a new principal with a clear error when the cap is reached and all are busy (or refusal is configured)', async () => {
    const g = await start(
      stdioServer('iso', { isolation: 'per-principal', instances: { max: 1, idleTtlMs: 600_000, whenFull: 'evict-idle' } }),
      stdioServer('strict', { isolation: 'per-principal', instances: { max: 1, idleTtlMs: 600_000, whenFull: 'refuse' } }),
    );
    try {
      const alice = await g.as('alice');
      const bob = await g.as('bob');
      const slow = text(alice, 'iso__slow', { ms: 3000 });
      await waitUntil(() => (g.status('iso') as { instances?: { busy: number }[] }).instances?.[0]?.busy === 1, 10_000, "alice's call in flight");
      const busy = await callFails(bob, 'iso__whoami');
      expect(busy.code).toBe(-32014);
      expect(busy.message).toMatch(/1 isolated connections open, all of them busy; .*raise its instances\.max/);
      expect(await slow).toBe('iso: slept 3000');
      for (const p of g.instancePids('iso')) seen.add(p);

      await pidOf(alice, 'strict__whoami');
      const refused = await callFails(bob, 'strict__whoami');
      expect(refused.code).toBe(-32014);
      expect(refused.message).toMatch(/1 isolated connections open, the most it may \(whenFull: refuse\); .*raise its instances\.max/);
      expect(await text(alice, 'strict__echo', { text: 'still' })).toBe('strict: still');
    } finally {
      await g.close();
    }
  });
});
