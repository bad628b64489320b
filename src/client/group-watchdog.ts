// Kills our upstreams' process groups when this process dies by any means, SIGKILL included: one tiny `sh` per
// process reads the groups to guard from a pipe, and the pipe's EOF (the kernel closes it at our death) sets it off.
import { type ChildProcess, spawn } from 'node:child_process';
import type { Socket } from 'node:net';

/**
 * Reads `+ <pgid>` / `- <pgid>` lines. At EOF: SIGTERM to every group still listed, SIGKILL after the grace
 * (`MCPLEX_WATCHDOG_GRACE_MS`, default two seconds) to those that linger, then exit once their leaders are dead (where /proc shows it; at most a second more), so
 * that a gateway restarted on the same config can wait for this exit (predecessors.ts). Nothing in it outlives
 * that, and its stdout/stderr are /dev/null, so a `serve --stdio` channel is never touched. (`kill -0 -pg` stays true while a group holds unreaped zombies,
 * which only costs the SIGKILL.)
 */
const SCRIPT = `
g=' '
while read -r op pg; do
  case $op in
    +) g="$g$pg " ;;
    -) case $g in *" $pg "*) g="\${g%% $pg *} \${g#* $pg }" ;; esac ;;
  esac
done
set -- $g
[ $# -eq 0 ] && exit 0
for pg; do kill -TERM -"$pg" 2>/dev/null; done
i=0
while [ $i -lt "$TICKS" ]; do
  alive=
  for pg; do kill -0 -"$pg" 2>/dev/null && alive="$alive $pg"; done
  [ -z "$alive" ] && exit 0
  set -- $alive
  sleep 0.1
  i=$((i+1))
done
for pg; do kill -KILL -"$pg" 2>/dev/null; done
i=0
while [ $i -lt 20 ]; do
  left=
  for pg; do s=$(cat /proc/$pg/stat 2>/dev/null) && case $s in *") Z "*) ;; *) left=1 ;; esac; done
  [ -z "$left" ] && exit 0
  sleep 0.05
  i=$((i+1))
done
`;

/** How long upstreams get between SIGTERM and SIGKILL once their gateway died (`MCPLEX_WATCHDOG_GRACE_MS`). */
export function watchdogGraceMs(): number {
  return graceMsOf(process.env.MCPLEX_WATCHDOG_GRACE_MS);
}

/** A grace as written (the setting, or a watchdog's argv): positive milliseconds, else the default two seconds. */
export function graceMsOf(raw: string | undefined): number {
  const ms = Number(raw);
  return Number.isFinite(ms) && ms > 0 ? ms : 2000;
}

/** The watchdog's $0: how it shows in `ps`. */
export const WATCHDOG_NAME = 'mcplex-watchdog';

/**
 * The process-wide watchdog. Groups are registered right after their leader spawns and removed once the group has
 * been reaped, so a recycled pid is never signalled. If the watchdog itself dies (someone killed it), the next
 * registration starts a new one and hands it every group still guarded.
 */
export class GroupWatchdog {
  static #shared: GroupWatchdog | undefined;
  static #tag = '';

  /**
   * Names what this process serves (e.g. its config), before any upstream starts: a gateway restarted with the
   * same tag finds a dead predecessor's watchdog by it (predecessors.ts). Its argv: NAME, owner pid, tag, grace (ms).
   */
  static tag(tag: string): void {
    GroupWatchdog.#tag = tag;
  }

  /** The watchdog of this process; undefined where process groups do not exist (Windows). */
  static shared(): GroupWatchdog | undefined {
    if (process.platform === 'win32') return undefined;
    GroupWatchdog.#shared ??= new GroupWatchdog();
    return GroupWatchdog.#shared;
  }

  readonly #groups = new Set<number>();
  #child: ChildProcess | undefined;

  /** The watchdog's own pid, once started (for tests and diagnostics). */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  watch(pgid: number): void {
    this.#groups.add(pgid);
    if (!this.#child) this.#start();
    else this.#write(`+ ${pgid}\n`);
  }

  unwatch(pgid: number): void {
    if (!this.#groups.delete(pgid)) return;
    this.#write(`- ${pgid}\n`);
  }

  #start(): void {
    // Own session: a signal to our process group (Ctrl-C, `kill -- -pgid`) must not take the watchdog with us.
    const graceMs = watchdogGraceMs();
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', TICKS: String(Math.max(1, Math.round(graceMs / 100))) };
    const argv = [WATCHDOG_NAME, String(process.pid), GroupWatchdog.#tag, String(graceMs)];
    const child = spawn('/bin/sh', ['-c', SCRIPT, ...argv], { stdio: ['pipe', 'ignore', 'ignore'], detached: true, env });
    this.#child = child;
    const gone = () => {
      if (this.#child === child) this.#child = undefined;
    };
    child.once('exit', gone);
    child.on('error', gone); // e.g. no /bin/sh: we carry on unguarded, as before
    child.stdin?.on('error', gone);
    // Neither the process nor its pipe may keep us alive: it exists only to outlive us.
    child.unref();
    (child.stdin as Socket | null)?.unref();
    if (this.#groups.size > 0) this.#write([...this.#groups].map((g) => `+ ${g}\n`).join(''));
  }

  #write(line: string): void {
    const stdin = this.#child?.stdin;
    if (stdin?.writable) stdin.write(line);
  }
}
