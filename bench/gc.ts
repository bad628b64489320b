// `npm run bench -- gc <key>… [--seconds N]`: what each target's garbage collector does per call. Each target runs
// alone under V8's `--trace-gc-nvp`, 3 s of warm-up and then N s (default 15) of echo at 1×16; the trace lines of the
// measured part give the bytes its young-generation collections promoted to the old generation, and the time spent
// in young (scavenge) and full (mark-compact) collections, per call. A request's objects should die young: bytes
// promoted per call that grow with the traffic mean something keeps every request alive (bench/README.md, "GC").
import { LegacyHttpSession } from './load/sessions.js';
import { slice } from './paired.js';
import { namedCombos, numberOption } from './plan.js';

const WARM_MS = 3000;
const INFLIGHT = 16;

export interface GcTotals {
  scavenges: number;
  promotedBytes: number;
  scavengeMs: number;
  markCompacts: number;
  markCompactMs: number;
}

/** Sums `--trace-gc-nvp` lines: scavenges (`gc=s`) and full collections (`gc=mc`). */
export function gcTotals(lines: readonly string[]): GcTotals {
  const t: GcTotals = { scavenges: 0, promotedBytes: 0, scavengeMs: 0, markCompacts: 0, markCompactMs: 0 };
  const field = (line: string, key: string) => Number(new RegExp(` ${key}=([\\d.]+)`).exec(line)?.[1] ?? 0);
  for (const line of lines) {
    if (/ gc=s /.test(line)) {
      t.scavenges++;
      t.promotedBytes += field(line, 'promoted');
      t.scavengeMs += field(line, 'pause');
    } else if (/ gc=mc /.test(line)) {
      t.markCompacts++;
      t.markCompactMs += field(line, 'pause');
    }
  }
  return t;
}

export async function runGcBench(argv: string[]): Promise<number> {
  const chosen = namedCombos(argv);
  if (chosen.length === 0 || chosen.some((c) => !c)) {
    process.stderr.write('gc: name HTTP targets by key, e.g. `npm run bench -- gc mcplex@2025 mcplex-full@2025` (keys: bench/README.md)\n');
    return 2;
  }
  const ms = numberOption(argv, '--seconds', 15) * 1000;
  // Read by Proc: the targets' node processes start with these flags.
  process.env.MCPLEX_BENCH_NODE_FLAGS = `--trace-gc-nvp ${process.env.GCX ?? ''}`;
  const rows = ['| target (1×16 echo) | calls/s | promoted bytes / call | scavenge µs / call | mark-compact µs / call |', '|---|---|---|---|---|'];
  for (const combo of chosen) {
    const { target, era, key } = combo!;
    const { proc, load } = await target.start(era);
    try {
      if (load.kind !== 'http' || load.era !== 'legacy' || !proc) throw new Error(`gc: ${key} is not a 2025-era HTTP target with a process`);
      const lines: string[] = [];
      let recording = false;
      let partial = '';
      proc.child.stdout!.on('data', (d: string) => {
        const text = partial + d;
        const cut = text.lastIndexOf('\n');
        partial = text.slice(cut + 1);
        if (recording) lines.push(...text.slice(0, cut).split('\n'));
      });
      const loaded = { key, proc, session: await LegacyHttpSession.open(new URL(load.url), 15_000, load.headers), tool: `${load.toolPrefix}echo` };
      await slice(loaded, INFLIGHT, WARM_MS);
      recording = true;
      const [callsPerSec] = await slice(loaded, INFLIGHT, ms);
      recording = false;
      await loaded.session.close();
      const calls = (callsPerSec * ms) / 1000;
      const t = gcTotals(lines);
      const per = (x: number) => Math.round(x / calls);
      rows.push(`| ${key} | ${Math.round(callsPerSec)} | ${per(t.promotedBytes)} | ${per(t.scavengeMs * 1000)} | ${per(t.markCompactMs * 1000)} |`);
    } finally {
      await proc?.stop();
    }
  }
  process.stdout.write(`${rows.join('\n')}\n`);
  return 0;
}
