// Medians over repetitions (each metric separately), the comparison ratios, and the Markdown tables that
// run.ts prints and bench/README.md quotes.
import type { ModeResult } from './load/measure.js';
import type { RunRecord } from './runner.js';

export type Metric = 'callsPerSec' | 'p50' | 'p90' | 'p99' | 'serverCpuUsPerCall' | 'rootCpuUsPerCall' | 'clientCpuUsPerCall' | 'machineUtilPct' | 'treeRssMb' | 'treeHwmMb' | 'openMs';
const METRICS: Metric[] = ['callsPerSec', 'p50', 'p90', 'p99', 'serverCpuUsPerCall', 'rootCpuUsPerCall', 'clientCpuUsPerCall', 'machineUtilPct', 'treeRssMb', 'treeHwmMb', 'openMs'];

export interface ModeMedian extends Record<Metric, number> {
  runs: number;
  calls: number;
  errors: number;
}

export interface ComboMedian {
  idleRssMb: number | null;
  peakHwmMb: number | null;
  modes: Record<string, ModeMedian>;
  failedRuns: number;
}

export function median(xs: number[]): number {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

const nullableMedian = (xs: (number | null)[]) => {
  const m = median(xs.filter((x): x is number => x !== null));
  return Number.isNaN(m) ? null : m;
};

export function medians(runs: RunRecord[]): Record<string, ComboMedian> {
  const out: Record<string, ComboMedian> = {};
  const keys = [...new Set(runs.map((r) => `${r.target}@${r.era}`))];
  for (const key of keys) {
    const rs = runs.filter((r) => `${r.target}@${r.era}` === key);
    const modes: Record<string, ModeMedian> = {};
    for (const name of [...new Set(rs.flatMap((r) => r.modes.map((m) => m.mode)))]) {
      const ms = rs.flatMap((r) => r.modes.filter((m) => m.mode === name));
      const med = Object.fromEntries(METRICS.map((k) => [k, median(ms.map((m: ModeResult) => m[k]))])) as Record<Metric, number>;
      modes[name] = { ...med, runs: ms.length, calls: ms.reduce((a, m) => a + m.calls, 0), errors: ms.reduce((a, m) => a + m.errors, 0) };
    }
    out[key] = { idleRssMb: nullableMedian(rs.map((r) => r.idleRssMb)), peakHwmMb: nullableMedian(rs.map((r) => r.peakHwmMb)), modes, failedRuns: rs.filter((r) => r.error).length };
  }
  return out;
}

const r2 = (x: number) => (Number.isFinite(x) ? Math.round(x * 100) / 100 : null);

/** a/b for calls/s and CPU per call, for every mode both have. */
function pair(m: Record<string, ComboMedian>, a: string, b: string) {
  const out: Record<string, { callsPerSec: number | null; cpuPerCall: number | null; p50: number | null }> = {};
  if (!m[a] || !m[b]) return out;
  for (const [mode, x] of Object.entries(m[a].modes)) {
    const y = m[b].modes[mode];
    if (y) out[mode] = { callsPerSec: r2(x.callsPerSec / y.callsPerSec), cpuPerCall: r2(x.serverCpuUsPerCall / y.serverCpuUsPerCall), p50: r2(x.p50 / y.p50) };
  }
  return out;
}

/** What the gateway adds over direct stdio: CPU µs and p50 ms per call, and the calls/s ratio. */
function overhead(m: Record<string, ComboMedian>, a: string) {
  const out: Record<string, { addedCpuUsPerCall: number | null; addedP50Ms: number | null; callsPerSecRatio: number | null }> = {};
  if (!m[a] || !m['direct@2025']) return out;
  for (const [mode, x] of Object.entries(m[a].modes)) {
    const d = m['direct@2025'].modes[mode];
    if (d) out[mode] = { addedCpuUsPerCall: r2(x.serverCpuUsPerCall - d.serverCpuUsPerCall), addedP50Ms: r2(x.p50 - d.p50), callsPerSecRatio: r2(x.callsPerSec / d.callsPerSec) };
  }
  return out;
}

export function ratios(m: Record<string, ComboMedian>) {
  return {
    'mcplex/mcp-proxy': pair(m, 'mcplex@2025', 'mcp-proxy@2025'),
    'mcplex/supergateway': pair(m, 'mcplex@2025', 'supergateway@2025'),
    'mcplex-full/mcplex': pair(m, 'mcplex-full@2025', 'mcplex@2025'),
    // Each concern's middleware alone (opt-in targets): the per-issue cost against the same bare gateway.
    'mcplex-security/mcplex': pair(m, 'mcplex-security@2025', 'mcplex@2025'),
    'mcplex-observability/mcplex': pair(m, 'mcplex-observability@2025', 'mcplex@2025'),
    'mcplex-resilience/mcplex': pair(m, 'mcplex-resilience@2025', 'mcplex@2025'),
    // A cache hit through the gateway should cost no more than a local tool in the framework (issue 12).
    'mcplex-cache/framework': pair(m, 'mcplex-cache@2025', 'framework@2025'),
    'mcplex-cache 2026/framework 2026': pair(m, 'mcplex-cache@2026', 'framework@2026'),
    'mcplex 2026/2025': pair(m, 'mcplex@2026', 'mcplex@2025'),
    'framework/sdk-v2': pair(m, 'framework@2025', 'sdk-v2@2025'),
    'framework 2026/2025': pair(m, 'framework@2026', 'framework@2025'),
    'mcplex/floor': pair(m, 'mcplex@2025', 'floor@2025'),
    'floor/mcp-proxy': pair(m, 'floor@2025', 'mcp-proxy@2025'),
    'mcplex/baseline': pair(m, 'mcplex@2025', 'baseline@2025'),
    'mcplex 2026/baseline 2026': pair(m, 'mcplex@2026', 'baseline@2026'),
    'mcplex vs direct': overhead(m, 'mcplex@2025'),
    'mcplex@2026 vs direct': overhead(m, 'mcplex@2026'),
  };
}

const f = (x: number | null | undefined, d = 0) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(d));

/** Markdown: calls/s (p50 / p99 ms) per echo mode, CPU per call, memory, sleep overhead, errors. */
export function table(m: Record<string, ComboMedian>): string {
  const echoModes = ['echo-1x1', 'echo-1x16', 'echo-1x64', 'echo-64x1'].filter((mode) => Object.values(m).some((c) => c.modes[mode]));
  const head = ['target', ...echoModes.map((e) => `${e.slice(5)} calls/s (p50/p90/p99 ms)`), ...echoModes.map((e) => `CPU µs/call ${e.slice(5)}`), 'sleep 50: +p50 ms', 'RSS MB idle→peak', 'errors'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const [key, c] of Object.entries(m)) {
    const cells = echoModes.map((e) => {
      const x = c.modes[e];
      return x ? `${f(x.callsPerSec)} (${f(x.p50, 2)}/${f(x.p90, 2)}/${f(x.p99, 1)})` : '–';
    });
    const cpu = echoModes.map((e) => f(c.modes[e]?.serverCpuUsPerCall));
    const sl = c.modes['sleep-1x1'];
    const errors = Object.values(c.modes).reduce((a, x) => a + x.errors, 0);
    const calls = Object.values(c.modes).reduce((a, x) => a + x.calls, 0);
    const failed = c.failedRuns > 0 ? ` (${c.failedRuns} failed runs)` : '';
    lines.push(`| ${key} | ${cells.join(' | ')} | ${cpu.join(' | ')} | ${sl ? f(sl.p50 - 50, 2) : '–'} | ${f(c.idleRssMb)}→${f(c.peakHwmMb)} | ${errors}/${calls}${failed} |`);
  }
  return lines.join('\n');
}
