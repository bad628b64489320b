// Figures and the Markdown table of the reference bench: p50/p95 per call, calls/s, and how many times faster
// ours is than the official server (official time ÷ ours; above 1 means ours is faster).
import type { SuiteResult } from './runner.js';

export interface Stats {
  /** Successful samples. */
  n: number;
  p50: number;
  p95: number;
  /** Samples per second of wall time over the whole measured loop (start-up: over the spawns). */
  callsPerSec: number;
}

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Nearest-rank percentile of sorted samples. */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function stats(samplesMs: number[], totalMs: number): Stats {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: round(percentile(sorted, 50), 3),
    p95: round(percentile(sorted, 95), 3),
    callsPerSec: totalMs > 0 ? round((sorted.length * 1000) / totalMs, 1) : 0,
  };
}

/** a ÷ b: official ms ÷ ours ms, or ours calls/s ÷ official calls/s. */
const speedup = (a: number, b: number) => (a > 0 && b > 0 ? `${round(a / b)}×` : '–');
const ms = (s: Stats) => `${round(s.p50)} / ${round(s.p95)}`;

export function markdownTable(results: SuiteResult[]): string {
  const rows = [
    '| server | task | ours p50 / p95 ms | official p50 / p95 ms | ours calls/s | official calls/s | ours faster by | server CPU µs/call ours / official |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    const { ours, official } = r.startupMs;
    rows.push(`| ${r.suite} | start-up (spawn → initialize answered, ${ours.n} spawns) | ${ms(ours)} | ${ms(official)} | – | – | ${speedup(official.p50, ours.p50)} | – |`);
    for (const t of r.tasks) {
      const errors = t.ours.errors + t.official.errors > 0 ? ` (errors: ours ${t.ours.errors}, official ${t.official.errors})` : '';
      rows.push(
        `| ${r.suite} | ${t.name}${errors} | ${ms(t.ours)} | ${ms(t.official)} | ${t.ours.callsPerSec} | ${t.official.callsPerSec} | ${speedup(t.ours.callsPerSec, t.official.callsPerSec)} | ${t.ours.serverCpuUsPerCall} / ${t.official.serverCpuUsPerCall} |`,
      );
    }
  }
  return rows.join('\n');
}

export function errorCount(results: SuiteResult[]): number {
  return results.reduce((a, r) => a + r.tasks.reduce((b, t) => b + t.ours.errors + t.official.errors, 0), 0);
}
