// The memory phase of a bench run, each measurement on a fresh target: RSS added by idle 2025-era sessions
// (mcplex, mcp-proxy, SDK v2) and the RSS of the mcplex gateway over an echo soak at 1×16 (its band min–max,
// first, last and the least-squares slope over the last 90 s).
import type { IdleResult } from './load/idle.js';
import { type BenchOptions, type Combo, IDLE_KEYS, idleSpec, SOAK_KEY, soakMode } from './plan.js';
import { type RunRecord, runOnce } from './runner.js';

/** The figure the idle sessions are compared against: at most this many MB for 1,000 sessions. */
export const IDLE_TARGET_MB_PER_1000 = 50;
/** The soak slope is fitted over this many final seconds. */
export const SLOPE_WINDOW_S = 90;

export interface IdleFigure extends Omit<IdleResult, 'errorSamples' | 'error'> {
  errorSamples: string[];
  error?: string;
  /**
   * mcplex with ≥ 1,000 sessions only: mbPer1000 ≤ IDLE_TARGET_MB_PER_1000 (the peers are there for comparison;
   * fewer sessions scale a fixed heap step up, e.g. 200 sessions read as about 90 MB per 1,000).
   */
  met: boolean | null;
}

export interface SoakFigure {
  target: string;
  seconds: number;
  callsPerSec: number | null;
  calls: number;
  errors: number;
  error?: string;
  samples: [number, number][];
  firstMb: number | null;
  lastMb: number | null;
  /** The band the samples stay in (the window starts after the heap has grown: see SOAK_WARMUP_MS). */
  minMb: number | null;
  maxMb: number | null;
  /** MB per minute, least squares over the samples of the last SLOPE_WINDOW_S seconds, and its standard error. */
  slopeMbPerMin: number | null;
  slopeStdErr: number | null;
  slopeWindowS: number;
}

export interface MemoryReport {
  idleSessions: Record<string, IdleFigure>;
  soak: SoakFigure | null;
  durationS: number;
  runs: RunRecord[];
}

const r2 = (x: number) => Math.round(x * 100) / 100;

/**
 * Least-squares slope of [t seconds, MB] over the samples with t ≥ last t − windowS, in MB per minute, with its
 * standard error (the GC sawtooth makes single samples noisy).
 */
export function slopeMbPerMin(samples: [number, number][], windowS: number): { slope: number; stdErr: number | null } | null {
  const lastT = samples.at(-1)?.[0];
  if (lastT === undefined) return null;
  const xs = samples.filter(([t]) => t >= lastT - windowS);
  if (xs.length < 2) return null;
  const mt = xs.reduce((a, [t]) => a + t, 0) / xs.length;
  const mm = xs.reduce((a, [, m]) => a + m, 0) / xs.length;
  let num = 0;
  let den = 0;
  for (const [t, m] of xs) {
    num += (t - mt) * (m - mm);
    den += (t - mt) ** 2;
  }
  if (den === 0) return null;
  const b = num / den;
  const ssr = xs.reduce((a, [t, m]) => a + (m - mm - b * (t - mt)) ** 2, 0);
  return { slope: r2(b * 60), stdErr: xs.length > 2 ? r2(Math.sqrt(ssr / (xs.length - 2) / den) * 60) : null };
}

export function soakFigure(run: RunRecord, seconds: number): SoakFigure {
  const m = run.modes[0];
  const samples = m?.rssSamples ?? [];
  const mbs = samples.map(([, mb]) => mb);
  const fit = slopeMbPerMin(samples, SLOPE_WINDOW_S);
  return {
    target: `${run.target}@${run.era}`,
    seconds,
    callsPerSec: m?.callsPerSec ?? null,
    calls: m?.calls ?? 0,
    errors: m?.errors ?? 0,
    ...(run.error !== undefined && { error: run.error }),
    samples,
    firstMb: mbs[0] ?? null,
    lastMb: mbs.at(-1) ?? null,
    minMb: mbs.length > 0 ? Math.min(...mbs) : null,
    maxMb: mbs.length > 0 ? Math.max(...mbs) : null,
    slopeMbPerMin: fit?.slope ?? null,
    slopeStdErr: fit?.stdErr ?? null,
    slopeWindowS: Math.min(SLOPE_WINDOW_S, samples.at(-1)?.[0] ?? 0),
  };
}

function idleFigure(run: RunRecord, key: string): IdleFigure {
  const i = run.idle;
  const error = run.error ?? i?.error;
  const base: Omit<IdleFigure, 'met'> = i ?? { sessions: 0, opened: 0, errors: 0, errorSamples: [], openMs: 0, closeMs: 0, beforeRssMb: 0, openRssMb: 0, closedRssMb: 0, extraMb: 0, mbPer1000: null, processesBefore: 0, processesOpen: 0 };
  const judged = key.startsWith('mcplex') && i && i.sessions >= 1000 && i.mbPer1000 !== null && error === undefined;
  const met = judged ? i.mbPer1000! <= IDLE_TARGET_MB_PER_1000 : null;
  return { ...base, ...(error !== undefined && { error }), met };
}

/** Runs the memory measurements the options and the combo list ask for; `log` gets one line per run. */
export async function memoryPhase(list: Combo[], opts: BenchOptions, log: (line: string) => void): Promise<MemoryReport> {
  const began = Date.now();
  const report: MemoryReport = { idleSessions: {}, soak: null, durationS: 0, runs: [] };
  if (opts.idleSessions > 0) {
    for (const combo of list.filter((c) => IDLE_KEYS.includes(c.key))) {
      const run = await runOnce(combo.target, combo.era, [], 0, idleSpec(opts.idleSessions));
      report.runs.push(run);
      const fig = idleFigure(run, combo.key);
      report.idleSessions[combo.key] = fig;
      log(
        `[memory ${Math.round((Date.now() - began) / 1000)}s] ${combo.key} ${opts.idleSessions} idle sessions: ${fig.error ? `ERROR ${fig.error.slice(0, 300)} ` : ''}` +
          `${fig.beforeRssMb} → ${fig.openRssMb} MB (+${fig.extraMb}, ${fig.mbPer1000} MB per 1,000), closed ${fig.closedRssMb} MB; open ${fig.openMs} ms`,
      );
    }
  }
  const soak = list.find((c) => c.key === SOAK_KEY);
  if (opts.soakSeconds > 0 && soak) {
    const run = await runOnce(soak.target, soak.era, [soakMode(opts.soakSeconds)], 0);
    report.runs.push(run);
    report.soak = soakFigure(run, opts.soakSeconds);
    const s = report.soak;
    log(
      `[memory ${Math.round((Date.now() - began) / 1000)}s] ${SOAK_KEY} soak ${opts.soakSeconds} s at 1×16: ${s.error ? `ERROR ${s.error.slice(0, 300)} ` : ''}` +
        `RSS ${s.minMb}–${s.maxMb} MB (first ${s.firstMb}, last ${s.lastMb}), slope ${s.slopeMbPerMin} ± ${s.slopeStdErr} MB/min; ${s.callsPerSec} calls/s, ${s.errors} errors`,
    );
  }
  report.durationS = Math.round((Date.now() - began) / 1000);
  return report;
}

/** Failed runs and call errors of the memory phase. */
export function memoryFailures(report: MemoryReport): number {
  return report.runs.filter((r) => r.error).length + (report.soak?.errors ?? 0) + Object.values(report.idleSessions).reduce((a, f) => a + f.errors, 0);
}

const f = (x: number | null | undefined, d = 0) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(d));

/** Markdown: one table for the idle sessions, one line-table for the soak. */
export function memoryTable(report: MemoryReport): string {
  const out: string[] = [];
  const idle = Object.entries(report.idleSessions);
  if (idle.length > 0) {
    out.push(
      `| target | idle sessions | RSS MB before → open → closed | extra MB | MB per 1,000 (mcplex target ≤ ${IDLE_TARGET_MB_PER_1000}) | open s |`,
      '|---|---|---|---|---|---|',
    );
    for (const [key, x] of idle) {
      const verdict = x.met === null ? (key.startsWith('mcplex') && x.sessions < 1000 ? ' (judged at 1,000 only)' : '') : x.met ? ' met' : ' **not met**';
      const opened = x.opened === x.sessions ? `${x.sessions}` : `${x.opened}/${x.sessions}${x.error ? ' (gave up)' : ''}`;
      out.push(`| ${key} | ${opened} | ${f(x.beforeRssMb)} → ${f(x.openRssMb)} → ${f(x.closedRssMb)} | ${f(x.extraMb, 1)} | ${f(x.mbPer1000, 1)}${verdict} | ${f(x.openMs / 1000, 1)} |`);
    }
  }
  const s = report.soak;
  if (s) {
    if (out.length > 0) out.push('');
    out.push(
      `| soak (echo 1×16) | seconds | RSS MB min–max (first / last) | slope MB/min (last ${f(s.slopeWindowS)} s) | calls/s | errors |`,
      '|---|---|---|---|---|---|',
      `| ${s.target} | ${s.seconds} | ${f(s.minMb)}–${f(s.maxMb)} (${f(s.firstMb)} / ${f(s.lastMb)}) | ${f(s.slopeMbPerMin, 2)} ± ${f(s.slopeStdErr, 2)} | ${f(s.callsPerSec)} | ${s.errors}/${s.calls}${s.error ? ' (run failed)' : ''} |`,
    );
  }
  return out.join('\n');
}
