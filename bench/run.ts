// `npm run bench [-- --quick] [--reps N] [--only mcplex,direct] [--idle-sessions N] [--soak-seconds N]
// [--memory-only]`: first the memory phase (idle sessions, soak), then interleaved runs of every target, medians,
// ratios, Markdown tables on stdout and everything raw in bench/results/latest.json. `npm run bench -- reference`
// runs only bench/reference/ (our reference servers against the official ones) instead; `npm run bench -- paired
// <base> <other>…` measures pipelines against their base in alternating slices (bench/paired.ts); `npm run bench
// -- gc <key>…` what each target's garbage collector does per call (bench/gc.ts); `npm run bench -- stages` what
// each middleware costs by itself, in process (bench/stages.ts).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { memoryFailures, memoryPhase, memoryTable } from './memory.js';
import { combos, modesFor, parseArgs, schedule } from './plan.js';
import { medians, ratios, table } from './report.js';
import { type RunRecord, runOnce } from './runner.js';
import { running } from './targets/process.js';
import { ROOT } from './targets/targets.js';

if (process.argv[2] === 'paired') {
  const { runPairedBench } = await import('./paired.js');
  process.exit(await runPairedBench(process.argv.slice(3)));
}
if (process.argv[2] === 'gc') {
  const { runGcBench } = await import('./gc.js');
  process.exit(await runGcBench(process.argv.slice(3)));
}
if (process.argv[2] === 'stages') {
  const { runStagesBench } = await import('./stages.js');
  process.exit(await runStagesBench(process.argv.slice(3)));
}
if (process.argv[2] === 'reference') {
  const { runReferenceBench } = await import('./reference/main.js');
  process.exit(await runReferenceBench(process.argv.slice(3)));
}

const opts = parseArgs(process.argv.slice(2));
const began = Date.now();

function machine() {
  const model = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model;
  const nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim());
  return { nproc, model, node: process.version, memGb: Math.round(totalmem() / 2 ** 30), loadavgStart: loadavg().map((x) => Math.round(x * 100) / 100) };
}

async function cleanup(): Promise<void> {
  await Promise.allSettled([...running].map((p) => p.stop(1000)));
}
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    cleanup().finally(() => process.exit(130));
  });
}

const host = machine();
const list = combos(opts);
const plan = opts.memoryOnly ? [] : schedule(list, opts.reps);
process.stderr.write(
  `bench: ${opts.memoryOnly ? 'memory only' : `${list.length} targets × ${opts.reps} reps`} (${opts.quick ? 'quick' : 'full'}; ${opts.idleSessions} idle sessions, ` +
    `soak ${opts.soakSeconds} s), ${host.nproc} × ${host.model}, Node ${host.node}, load ${host.loadavgStart.join(' ')}\n`,
);

// The memory phase runs first, on a quiet machine; its time counts against the budget below.
const memory = await memoryPhase(list, opts, (line) => process.stderr.write(`${line}\n`));

const runs: RunRecord[] = [];
const skipped: string[] = [];
for (const [i, { combo, rep }] of plan.entries()) {
  const elapsed = Date.now() - began;
  // Past the budget only first repetitions still run, so that every target is measured at least once.
  if (elapsed > opts.budgetMs && rep > 0) {
    skipped.push(`${combo.key}#${rep}`);
    continue;
  }
  const record = await runOnce(combo.target, combo.era, modesFor(opts.quick, combo.era), rep);
  runs.push(record);
  const summary = record.modes.map((m) => `${m.mode} ${m.callsPerSec}/s p50 ${m.p50} cpu ${m.serverCpuUsPerCall}µs err ${m.errors}`).join('; ');
  process.stderr.write(`[${i + 1}/${plan.length} ${Math.round((Date.now() - began) / 1000)}s] ${combo.key} #${rep}: ${record.error ? `ERROR ${record.error.slice(0, 300)} ` : ''}${summary}\n`);
}
await cleanup();

const med = medians(runs);
const result = {
  machine: { ...host, loadavgEnd: loadavg().map((x) => Math.round(x * 100) / 100) },
  options: opts,
  startedAt: new Date(began).toISOString(),
  durationS: Math.round((Date.now() - began) / 1000),
  skipped,
  runs,
  medians: med,
  ratios: ratios(med),
  memory,
};
mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
writeFileSync(join(ROOT, 'bench/results/latest.json'), `${JSON.stringify(result, null, 2)}\n`);

if (runs.length > 0) {
  process.stdout.write(`\n${table(med)}\n\nRatios (a/b; CPU = server CPU µs per call):\n`);
  for (const [name, byMode] of Object.entries(result.ratios)) {
    const cells = Object.entries(byMode).map(([mode, r]) => `${mode} ${Object.entries(r).map(([k, v]) => `${k}=${v ?? '–'}`).join(' ')}`);
    process.stdout.write(`  ${name}: ${cells.join('; ') || '(not measured)'}\n`);
  }
}
const memoryText = memoryTable(memory);
if (memoryText) process.stdout.write(`\nMemory (${memory.durationS} s, each on a fresh target):\n\n${memoryText}\n`);
process.stdout.write(
  `\n${host.nproc} × ${host.model}, Node ${host.node}, load ${host.loadavgStart.join(' ')} → ${result.machine.loadavgEnd.join(' ')}; ${result.durationS} s; bench/results/latest.json\n`,
);
const failures = runs.filter((r) => r.error).length + runs.reduce((a, r) => a + r.modes.reduce((b, m) => b + m.errors, 0), 0) + memoryFailures(memory);
process.exit(failures > 0 ? 1 : 0);
