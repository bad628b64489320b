// No orphans: exactly one child per stdio server (health PIDs agree with /proc), still one after a crash and restart,
// and none left after close() or SIGTERM to a CLI gateway, its watchdog included (SIGKILL: orphans-sigkill.test.ts).
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { WATCHDOG_NAME } from '../../src/client/group-watchdog.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { silentLogger } from '../../src/core/index.js';
import { isAlive, killAll, killStarted, waitGone, waitUntil } from '../helpers/process.js';
import { fixtureServer, readyz, runCli, serveCli, writeConfig } from './fixtures/cli.js';
import { childrenOf, FAST_RESTART, gatewayConfig, stdioServer, UPSTREAM, upstreamOf } from './fixtures/helpers.js';

const seen = new Set<number>();
afterAll(() => {
  killStarted();
  killAll(seen);
});

/** Live children of `ppid` that run the fixture server, each in its own process group (pgid = pid). */
function fixtureChildren(ppid: number): number[] {
  return childrenOf(ppid).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(UPSTREAM);
    } catch {
      return false;
    }
  });
}

function pgidOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}

const healthPids = (gateway: Gateway) => gateway.health().upstreams.map((u) => u.pid).filter((p): p is number => p !== undefined).sort((a, b) => a - b);

describe('an in-process gateway', () => {
  it('runs exactly one child per stdio server, keeps it so across a restart, and leaves none after close()', async () => {
    const config = gatewayConfig(stdioServer('a'), stdioServer('b'), stdioServer('c'), stdioServer('off', { enabled: false }));
    const gateway = new Gateway(config, { logger: silentLogger, restart: FAST_RESTART });
    try {
      await gateway.start();
      const pids = healthPids(gateway);
      for (const p of pids) seen.add(p);
      expect(pids).toHaveLength(3);
      expect(fixtureChildren(process.pid)).toEqual(pids);
      for (const p of pids) expect(pgidOf(p)).toBe(p);

      // A crash: the replacement is the only child for `b`, and the dead one is reaped.
      const oldB = upstreamOf(gateway, 'b')!.pid!;
      process.kill(oldB, 'SIGKILL');
      const newB = await waitUntil(
        () => {
          const b = upstreamOf(gateway, 'b');
          return b?.state === 'up' && b.pid !== oldB ? b.pid : undefined;
        },
        15_000,
        "'b' restarted with a new PID",
      );
      seen.add(newB);
      await waitGone([oldB]);
      const after = healthPids(gateway);
      expect(after).toHaveLength(3);
      expect(after).toContain(newB);
      expect(fixtureChildren(process.pid)).toEqual(after);

      await gateway.close();
      await waitGone(after);
      expect(fixtureChildren(process.pid)).toEqual([]);
      expect(gateway.health().upstreams).toEqual([]);
    } finally {
      await gateway.close();
    }
  });

  it('close() during startup (children still connecting) leaves none either', async () => {
    const gateway = new Gateway(gatewayConfig(stdioServer('x'), stdioServer('y')), { logger: silentLogger, restart: FAST_RESTART });
    const starting = gateway.start();
    await waitUntil(() => fixtureChildren(process.pid).length === 2, 10_000, 'two children spawned');
    const pids = fixtureChildren(process.pid);
    for (const p of pids) seen.add(p);
    const t0 = Date.now();
    await gateway.close();
    await starting;
    // start() gives up waiting on upstreams that were stopped, rather than sitting out their connect timeout (15 s,
    // +1 s): the bound tells the two apart with room for a loaded machine, it is not a speed target.
    expect(Date.now() - t0).toBeLessThan(12_000);
    await waitGone(pids);
    expect(fixtureChildren(process.pid)).toEqual([]);
  });
});

describe('a CLI gateway', () => {
  it('has one child per stdio server and none after SIGTERM (even servers that ignore stdin EOF)', async () => {
    const config = writeConfig({ a: fixtureServer('a'), b: lingering('b') });
    const cli = await serveCli(config);
    const { upstreams } = await readyz(cli.url);
    const pids = upstreams.map((u) => u.pid!).sort((x, y) => x - y);
    for (const p of pids) seen.add(p);
    expect(upstreams.map((u) => [u.name, u.state])).toEqual([
      ['a', 'up'],
      ['b', 'up'],
    ]);
    expect(fixtureChildren(cli.pid)).toEqual(pids);
    // Nothing else either, apart from the one watchdog (which reaps the groups should the gateway die hard) and
    // the esbuild service that tsx (running the CLI from source) starts.
    const others = childrenOf(cli.pid).filter((p) => !pids.includes(p) && !readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('esbuild'));
    expect(others.map((p) => readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').includes(WATCHDOG_NAME))).toEqual([true]);
    for (const p of others) seen.add(p);

    cli.child.kill('SIGTERM');
    expect(await cli.exited()).toEqual({ code: 0, signal: null });
    await waitGone([...pids, ...others]);
    for (const p of pids) expect(() => process.kill(p, 0)).toThrow(/ESRCH/);
    expect(isAlive(cli.pid)).toBe(false);
  });
});

/** A fixture server that ignores stdin EOF: only the gateway's SIGTERM/SIGKILL to its group ends it. */
const lingering = (name: string) => {
  const s = fixtureServer(name);
  return { ...s, args: [...(s.args as string[]), '--linger'] };
};

describe('a CLI gateway that cannot listen', () => {
  it('exits 1 naming the problem and stops the upstreams it had started', async () => {
    const { createServer } = await import('node:net');
    const taken = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => taken.once('listening', r));
    try {
      const port = (taken.address() as { port: number }).port;
      const cli = runCli(['serve', '--config', writeConfig({ a: lingering('a') }), '--port', String(port)]);
      const exit = await cli.exited(30_000);
      const pids = [...cli.stderr().matchAll(/"upstreamPid":(\d+),"command"/g)].map((m) => Number(m[1]));
      for (const p of pids) seen.add(p);
      const why = `stderr:\n${cli.stderr().slice(-3000)}`;
      expect(exit.code, why).toBe(1);
      // Log lines (JSON) may interleave; the CLI's own message is a line of its own.
      expect(cli.stderr(), why).toMatch(/^mcplex: listen EADDRINUSE: address already in use 127\.0\.0\.1:\d+$/m);
      expect(pids, why).toHaveLength(1);
      await waitGone(pids);
    } finally {
      taken.close();
    }
  });
});
