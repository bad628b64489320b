// A gateway restarted on the same config must not run its upstreams beside the previous one's: before starting
// them it waits for the watchdog of a dead gateway with the same tag to finish killing that gateway's groups.
import { readdirSync, readFileSync } from 'node:fs';
import { graceMsOf, WATCHDOG_NAME } from './group-watchdog.js';

/** The pid's command line as its arguments, or undefined when it is gone or a zombie (Linux /proc). */
function argvOf(pid: number): string[] | undefined {
  try {
    if (/^\d+ \(.*\) Z /s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))) return undefined;
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return undefined;
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return argvOf(pid) !== undefined;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Watchdogs tagged `tag` whose gateway (their owner) is dead: they are still taking its upstreams down. */
function orphanedWatchdogs(tag: string): Array<{ pid: number; graceMs: number }> {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return []; // no /proc: nothing to wait for that we could see
  }
  return entries
    .filter((e) => /^\d+$/.test(e))
    .flatMap((e) => {
      const pid = Number(e);
      const argv = argvOf(pid);
      const at = argv?.indexOf(WATCHDOG_NAME) ?? -1;
      if (!argv || at < 0 || argv[at + 2] !== tag) return [];
      const owner = Number(argv[at + 1]);
      if (owner === process.pid || alive(owner)) return [];
      // Its grace as its gateway ran with it (a watchdog of an older version names none: the default).
      return [{ pid, graceMs: graceMsOf(argv[at + 3]) }];
    });
}

/**
 * Waits (bounded) until no orphaned watchdog tagged `tag` is left; returns the ones it waited for. The bound outlasts
 * each watchdog's own grace (`MCPLEX_WATCHDOG_GRACE_MS` as the dead gateway had it; at least 10 s), so a long grace
 * never lets the two gateways' upstreams meet.
 */
export async function awaitPredecessors(tag: string): Promise<number[]> {
  const orphans = orphanedWatchdogs(tag);
  const waited = orphans.map((w) => w.pid);
  const deadline = Date.now() + Math.max(10_000, ...orphans.map((w) => w.graceMs + 5000));
  while (waited.some((pid) => argvOf(pid) !== undefined) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  return waited;
}
