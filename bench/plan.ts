// What a bench run measures: the modes (workload × sessions × in-flight, windows and warm-ups) for the full and
// --quick runs, and the interleaved schedule of (target, era) runs, rotated each repetition.
import type { IdleSpec } from './load/idle.js';
import type { ModeSpec } from './load/measure.js';
import { type Era, TARGETS, type TargetDef } from './targets/targets.js';

export interface BenchOptions {
  quick: boolean;
  reps: number;
  /** Stop scheduling new runs after this long (the runs in progress finish). */
  budgetMs: number;
  only?: string[];
  /** Idle 2025-era sessions opened per memory target (0: none). */
  idleSessions: number;
  /** Length of the memory soak of mcplex@2025 (0: none). */
  soakSeconds: number;
  /** Only the memory phase (idle sessions and soak), not the throughput runs. */
  memoryOnly: boolean;
}

function count(flag: string, raw: string | undefined, fallback: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > max) throw new Error(`${flag} wants an integer from 0 to ${max}, got ${raw}`);
  return n;
}

export function parseArgs(argv: string[]): BenchOptions {
  const quick = argv.includes('--quick');
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const reps = Number(value('--reps') ?? (quick ? 1 : 3));
  const only = value('--only')?.split(',');
  // Below 10 000 sessions: the gateway's default maxSessions (each memory run starts a fresh target).
  const idleSessions = count('--idle-sessions', value('--idle-sessions'), quick ? 200 : 1000, 5000);
  const soakSeconds = count('--soak-seconds', value('--soak-seconds'), quick ? 0 : 120, 1800);
  return { quick, reps, budgetMs: quick ? 80_000 : 550_000, ...(only && { only }), idleSessions, soakSeconds, memoryOnly: argv.includes('--memory-only') };
}

function echo(sessions: number, inflight: number, windowMs: number, warmupMaxMs: number): ModeSpec {
  return { name: `echo-${sessions}x${inflight}`, workload: 'echo', sessions, inflight, warmupCalls: Math.max(200, 2 * sessions * inflight), warmupMaxMs, windowMs };
}

function sleep(count: number): ModeSpec {
  return { name: 'sleep-1x1', workload: 'sleep', sessions: 1, inflight: 1, warmupCalls: 3, warmupMaxMs: 1000, windowMs: 10_000, count };
}

/**
 * Every target is a fresh process, so its first seconds go to JIT compilation (V8's compiler threads count as the
 * target's CPU). One unreported 1×16 run warms it before the first measured mode, so the figures are steady
 * state, as a long-running server sees it; every target, peers included, gets the same.
 */
function jitWarmup(ms: number): ModeSpec {
  return { ...echo(1, 16, ms, 300), name: 'jit-warmup', discard: true };
}

/** Modes in the order one run executes them; 64 sessions come last so their children do not linger in others. */
export function modesFor(quick: boolean, era: Era): ModeSpec[] {
  if (quick) return [jitWarmup(1000), echo(1, 1, 1000, 300), echo(1, 16, 1000, 300), sleep(10)];
  const modes = [jitWarmup(1500), echo(1, 1, 1500, 300), echo(1, 16, 1500, 300), echo(1, 64, 1500, 300), sleep(20)];
  // 2026-07-28 has no sessions: 64 "sessions" would be 64 × 1 stateless callers, the same as 1 × 64.
  if (era === 'legacy') modes.push(echo(64, 1, 1500, 1000));
  return modes;
}

/** Targets of the idle-sessions figure (supergateway is left out: it spawns an upstream per session). */
export const IDLE_KEYS = ['mcplex@2025', 'mcp-proxy@2025', 'sdk-v2@2025'];
export const SOAK_KEY = 'mcplex@2025';

/** Idle sessions: opened 16 at a time, giving up after 60 s; RSS read 1 s after each step. */
export function idleSpec(sessions: number): IdleSpec {
  return { sessions, concurrency: 16, giveUpMs: 60_000, settleMs: 1000, warmupSessions: 16 };
}

/** The soak's unmeasured lead-in: long enough for the heap to grow to its working size. */
export const SOAK_WARMUP_MS = 10_000;

/** The soak: echo at 1×16 for `seconds` after SOAK_WARMUP_MS of the same load, the tree's RSS sampled every second. */
export function soakMode(seconds: number): ModeSpec {
  return { ...echo(1, 16, seconds * 1000, SOAK_WARMUP_MS), warmupCalls: Number.MAX_SAFE_INTEGER, name: 'soak-1x16', rssSampleMs: 1000 };
}

export interface Combo {
  target: TargetDef;
  era: Era;
  key: string;
}

export function combos(opts: BenchOptions): Combo[] {
  const out: Combo[] = [];
  for (const target of TARGETS) {
    for (const era of target.eras) {
      const key = `${target.id}@${era === 'legacy' ? '2025' : '2026'}`;
      const named = opts.only?.some((o) => key.startsWith(o));
      if (named || (!opts.only && !target.optIn)) out.push({ target, era, key });
    }
  }
  return out;
}

/** A subcommand's positive numeric option (`--seconds 60`), or `fallback` when absent. */
export function numberOption(argv: string[], name: string, fallback: number): number {
  const at = argv.indexOf(name);
  const value = at >= 0 ? Number(argv[at + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} wants a positive number`);
  return value;
}

/** A subcommand's targets: its arguments that are not options, each an exact key or a key prefix; undefined where none matches. */
export function namedCombos(argv: string[]): (Combo | undefined)[] {
  const keys = argv.filter((a, i) => !a.startsWith('--') && !argv[i - 1]?.startsWith('--'));
  const all = combos(parseArgs(['--only', keys.join(',')]));
  return keys.map((k) => all.find((c) => c.key === k) ?? all.find((c) => c.key.startsWith(k)));
}

/** Repetition r runs every combo, in an order rotated by r (A B C, B C A, C A B, …). */
export function schedule(list: Combo[], reps: number): { combo: Combo; rep: number }[] {
  const out: { combo: Combo; rep: number }[] = [];
  for (let rep = 0; rep < reps; rep++) {
    for (let i = 0; i < list.length; i++) out.push({ combo: list[(i + rep) % list.length]!, rep });
  }
  return out;
}
