// No orphans even when the gateway dies hard: SIGKILL a CLI gateway whose stdio upstream ignores stdin EOF and
// SIGTERM and has forked a grandchild; the watchdog takes the whole group down within seconds and exits itself,
// and a gateway restarted at once on the same config waits for that before it starts its own: never two copies.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { WATCHDOG_NAME } from '../../src/client/group-watchdog.js';
import { isAlive, killAll, killStarted, ROOT, tsxArgs, waitGone } from '../helpers/process.js';
import { type Cli, serveCli, writeConfig } from './fixtures/cli.js';
import { childrenOf } from './fixtures/helpers.js';

const HOSTILE = fileURLToPath(new URL('../client/fixtures/hostile-upstream.ts', import.meta.url));

const seen = new Set<number>();
afterAll(() => {
  killStarted();
  killAll(seen);
});

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

function pgidOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}

/**
 * Live (non-zombie) group leaders whose command line carries `tag`: this test's upstreams. (Leaders only: while an
 * upstream forks its grandchild, the fork carries the same command line for a moment before it execs.)
 */
function tagged(tag: string): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e) && cmdline(Number(e)).includes(tag))
    .map(Number)
    .filter((pid) => {
      try {
        return !/^\d+ \(.*\) Z /s.test(readFileSync(`/proc/${pid}/stat`, 'utf8')) && pgidOf(pid) === pid;
      } catch {
        return false;
      }
    })
    .sort((a, b) => a - b);
}

/** A stdio upstream that ignores stdin EOF and SIGTERM and forks `sleep 600` into its process group. */
const stubborn = (tag: string) => ({
  command: process.execPath,
  args: tsxArgs(HOSTILE, '--linger', '--ignore-sigterm', '--grandchild', '--tag', tag),
  cwd: ROOT,
});

/** From the gateway's log: the upstream's pid, its grandchild's (the upstream's stderr); and the watchdog's. */
async function treeOf(cli: Cli): Promise<{ leader: number; grandchild: number; watchdog: number }> {
  const leader = Number(/"upstreamPid":(\d+),"command"/.exec(await cli.waitStderr(/"upstreamPid":\d+,"command"/, 30_000))![1]);
  // Its digits whole (the log is written asynchronously; a line may arrive in two pieces).
  const grandchild = Number(/GRANDCHILD (\d+)/.exec(await cli.waitStderr(/GRANDCHILD \d+\D/, 30_000))![1]);
  const watchdog = childrenOf(cli.pid).find((p) => cmdline(p).includes(WATCHDOG_NAME));
  for (const p of [leader, grandchild, watchdog ?? 0]) if (p) seen.add(p);
  expect(watchdog, 'one watchdog per gateway').toBeDefined();
  expect(pgidOf(grandchild), 'the grandchild shares its parent’s process group').toBe(leader);
  return { leader, grandchild, watchdog: watchdog! };
}

describe('a CLI gateway killed with SIGKILL', () => {
  it('leaves no child, grandchild or watchdog behind, and a restart runs the only copy', async () => {
    const tag = `orphans-sigkill-${process.pid}-${Date.now()}`;
    const config = writeConfig({ stubborn: stubborn(tag) });
    // The old upstream outlives the gateway by the watchdog's grace (15 s here, 2 s by default): longer than a
    // restarted gateway takes to start even on a loaded machine (6 s was not, once, in a full run beside other
    // work), so the restart always finds it still going down.
    const first = await serveCli(config, [], { MCPLEX_WATCHDOG_GRACE_MS: '15000' });
    const old = await treeOf(first);
    expect(tagged(tag)).toEqual([old.leader]);

    first.child.kill('SIGKILL');
    expect(await first.exited()).toEqual({ code: null, signal: 'SIGKILL' });
    // Restarted at once, as a supervisor (systemd, a container runtime) would. The old upstream ignores SIGTERM,
    // so the watchdog takes its grace and then SIGKILLs it; meanwhile the new gateway must not start its own.
    const copies: number[][] = [];
    const sampler = setInterval(() => copies.push(tagged(tag)), 10);
    // Without the setting: the old watchdog names its grace, and the restart waits past its default 10 s for it.
    const second = await serveCli(config);
    const fresh = await treeOf(second);
    clearInterval(sampler);
    await waitGone([old.leader, old.grandchild, old.watchdog], 30_000);
    expect(copies.filter((c) => c.length > 1), 'never two copies at once').toEqual([]);
    expect(copies.some((c) => c.includes(old.leader)) && copies.some((c) => c.includes(fresh.leader)), 'the sampling saw both').toBe(true);
    await second.waitStderr(/waited for the upstreams of a previous gateway on this config to stop/, 5_000);
    expect(tagged(tag)).toEqual([fresh.leader]);
    expect(isAlive(fresh.grandchild)).toBe(true);

    // And the ordinary way out still cleans up everything, the watchdog included.
    second.child.kill('SIGTERM');
    expect(await second.exited()).toEqual({ code: 0, signal: null });
    await waitGone([fresh.leader, fresh.grandchild, fresh.watchdog], 10_000);
  }, 90_000);
});
