// `npm run bench -- paired <base> <other>… [--seconds N] [--inflight N]`: what a pipeline costs, measured against
// its base in alternating slices. Every target runs at once (each its own process and upstream); one load client
// gives each in turn a 1 s slice of echo at 1×N (16), round after round, rotating the order. A slow minute of the
// machine then slows base and other alike, so each round's other/base ratio is a fair pair even where separate runs
// drift ±20 %. Keys as in --only (`mcplex@2025`, `mcplex-observability@2025`, …); the first is the base.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { processCpuMicros } from './load/proc.js';
import { LegacyHttpSession, type McpSession, ModernHttpSession } from './load/sessions.js';
import { namedCombos, numberOption } from './plan.js';
import type { Proc } from './targets/process.js';
import { ROOT } from './targets/targets.js';

const PAD = 'x'.repeat(100);
const SLICE_MS = 1000;
const WARM_MS = 3000;

export interface PairedRow {
  key: string;
  callsPerSec: number[];
  cpuUsPerCall: number[];
}

export interface PairedSummary {
  key: string;
  callsPerSec: number;
  cpuUsPerCall: number;
  /** Median over rounds of this round's calls/s over the base's in the same round; and its quartiles. */
  ratio: number;
  ratioQ1: number;
  ratioQ3: number;
  /** Median over rounds of this round's server CPU per call minus the base's (µs): what this stack adds per call. */
  cpuAddedUs: number;
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))))] ?? Number.NaN;
};
const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** Medians per target and, per round, each target's calls/s over the base's (the first row). */
export function pairedSummary(rows: PairedRow[]): PairedSummary[] {
  const base = rows[0]!;
  return rows.map((row) => {
    const ratios = row.callsPerSec.map((c, i) => c / base.callsPerSec[i]!);
    const added = row.cpuUsPerCall.map((c, i) => c - base.cpuUsPerCall[i]!);
    return {
      key: row.key,
      callsPerSec: Math.round(quantile(row.callsPerSec, 0.5)),
      cpuUsPerCall: Math.round(quantile(row.cpuUsPerCall, 0.5)),
      ratio: round3(quantile(ratios, 0.5)),
      ratioQ1: round3(quantile(ratios, 0.25)),
      ratioQ3: round3(quantile(ratios, 0.75)),
      cpuAddedUs: Math.round(quantile(added, 0.5)),
    };
  });
}

/** A target up and with a session open: what a slice of load needs. */
export interface LoadedTarget {
  key: string;
  proc?: Proc;
  session: McpSession;
  tool: string;
}

interface Running extends LoadedTarget {
  row: PairedRow;
}

/**
 * An echo call. A target idles while the others have their slices, long enough for its server to close kept-alive
 * connections (5 s in node); a request sent on one just as it closes fails with ECONNRESET before the server saw
 * it, and is sent again once.
 */
function echo(t: LoadedTarget, text: string) {
  return t.session.call(t.tool, { text }, 10_000).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ECONNRESET') throw err;
    return t.session.call(t.tool, { text }, 10_000);
  });
}

let n = 0;
/** One slice of echo at `inflight` calls in flight; every reply checked. Returns calls/s and server CPU µs per call. */
export async function slice(t: LoadedTarget, inflight: number, ms: number): Promise<[number, number]> {
  const until = performance.now() + ms;
  const cpu0 = t.proc ? processCpuMicros([t.proc.pid]) : 0;
  let calls = 0;
  await Promise.all(
    Array.from({ length: inflight }, async () => {
      while (performance.now() < until) {
        const text = `${n++}:${PAD}`.slice(0, 100);
        const r = await echo(t, text);
        if (r.content?.[0]?.text !== text) throw new Error(`${t.key}: wrong reply ${JSON.stringify(r).slice(0, 200)}`);
        calls++;
      }
    }),
  );
  const cpu = t.proc ? (processCpuMicros([t.proc.pid]) - cpu0) / calls : 0;
  return [calls / (ms / 1000), cpu];
}

export async function runPairedBench(argv: string[]): Promise<number> {
  const seconds = numberOption(argv, '--seconds', 60);
  const inflight = numberOption(argv, '--inflight', 16);
  const chosen = namedCombos(argv);
  if (chosen.length < 2 || chosen.some((c) => !c)) {
    process.stderr.write('paired: name a base and at least one other target by key, e.g. `npm run bench -- paired mcplex@2025 mcplex-observability@2025` (keys: bench/README.md)\n');
    return 2;
  }
  const running: Running[] = [];
  try {
    for (const combo of chosen) {
      const { target, era, key } = combo!;
      const started = await target.start(era);
      const load = started.load;
      if (load.kind !== 'http') throw new Error(`paired: ${key} is not an HTTP target`);
      const session = load.era === 'legacy' ? await LegacyHttpSession.open(new URL(load.url), 15_000, load.headers) : new ModernHttpSession(new URL(load.url), load.headers);
      running.push({ key, ...(started.proc && { proc: started.proc }), session, tool: `${load.toolPrefix}echo`, row: { key, callsPerSec: [], cpuUsPerCall: [] } });
    }
    for (const t of running) await slice(t, inflight, WARM_MS);
    const rounds = Math.max(3, Math.round(seconds / ((running.length * SLICE_MS) / 1000)));
    for (let r = 0; r < rounds; r++) {
      for (let k = 0; k < running.length; k++) {
        const t = running[(k + r) % running.length]!;
        const [cps, cpu] = await slice(t, inflight, SLICE_MS);
        t.row.callsPerSec.push(cps);
        t.row.cpuUsPerCall.push(cpu);
      }
    }
    const summary = pairedSummary(running.map((t) => t.row));
    const lines = [
      `| target (1×${inflight}, ${rounds} rounds of 1 s slices) | calls/s | server CPU µs/call | / ${summary[0]!.key} (median of paired rounds; quartiles) | CPU µs/call added (median of paired rounds) |`,
      '|---|---|---|---|---|',
      ...summary.map((s) => `| ${s.key} | ${s.callsPerSec} | ${s.cpuUsPerCall} | ${s.ratio.toFixed(2)} (${s.ratioQ1.toFixed(2)}–${s.ratioQ3.toFixed(2)}) | ${s.cpuAddedUs} |`),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench/results/paired.json'), JSON.stringify({ at: new Date().toISOString(), inflight, rounds, summary, rows: running.map((t) => t.row) }, null, 2));
    return 0;
  } finally {
    await Promise.allSettled(running.map((t) => t.session.close()));
    await Promise.allSettled(running.map((t) => t.proc?.stop()));
  }
}
