// A gateway restarted on the same config must not run its upstreams beside the previous one's: before starting
// them it waits for the watchdog of a dead gateway with the same tag to finish killing that gateway's groups.
import { readdirSync, readFileSync } from 'node:fs';
import { WATCHDOG_NAME, watchdogGraceMs } from './group-watchdog.js';

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
function orphanedWatchdogs(tag: string): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return []; // no /proc: nothing to wait for that we could see
  }
  return entries
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .filter((pid) => {
      const argv = argvOf(pid);
      const at = argv?.indexOf(WATCHDOG_NAME) ?? -1;
      if (!argv || at < 0 || argv[at + 2] !== tag) return false;
      const owner = Number(argv[at + 1]);
      return owner !== process.pid && !alive(owner);
    });
}

/**
 * Waits (bounded) until no orphaned watchdog tagged `tag` is left; returns the ones it waited for. The bound outlasts
 * the watchdogs' grace (`MCPLEX_WATCHDOG_GRACE_MS`, the same setting the dead gateway ran with, as a restart on one
 * config normally has), so a longer grace never lets the two gateways' upstreams meet.
 */
export async function awaitPredecessors(tag: string, timeoutMs = Math.max(10_000, watchdogGraceMs() + 5000)): Promise<number[]> {
  const waited = orphanedWatchdogs(tag);
  const deadline = Date.now() + timeoutMs;
  while (waited.some((pid) => argvOf(pid) !== undefined) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  return waited;
}
