// `npm run bench -- reference [--iterations N] [--starts N]`: our filesystem and SQL reference servers against
// the official ones on the same tasks; Markdown table on stdout, everything in bench/results/reference.json.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { makeFsTree, makePgFixture } from './fixtures.js';
import { errorCount, markdownTable } from './report.js';
import { openClients, type RunOptions, runSuite, type SuiteResult } from './runner.js';
import { filesystemSuite, postgresSuite, ROOT } from './tasks.js';

function intFlag(argv: string[], flag: string, fallback: number, min: number): number {
  const i = argv.indexOf(flag);
  if (i < 0) return fallback;
  const n = Number(argv[i + 1]);
  if (!Number.isInteger(n) || n < min) throw new Error(`${flag} wants an integer ≥ ${min}, got ${argv[i + 1]}`);
  return n;
}

const loads = () => loadavg().map((x) => Math.round(x * 100) / 100);

/** Runs the reference bench; resolves with the process exit code (1 if any call failed). */
export async function runReferenceBench(argv: string[]): Promise<number> {
  const iterations = intFlag(argv, '--iterations', 200, 1);
  const opts: RunOptions = { iterations, warmup: intFlag(argv, '--warmup', Math.max(5, Math.ceil(iterations / 10)), 0), starts: intFlag(argv, '--starts', 5, 1) };
  const model = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model;
  const machine = { cpus: availableParallelism(), model, node: process.version, loadavgStart: loads() };
  const log = (line: string) => process.stderr.write(`${line}\n`);
  log(`bench reference: ${opts.iterations} iterations (warm-up ${opts.warmup}), ${opts.starts} spawns per server; ${machine.cpus} × ${model}, Node ${machine.node}, load ${machine.loadavgStart.join(' ')}`);
  process.once('SIGINT', () => {
    Promise.allSettled([...openClients].map((c) => c.close())).finally(() => process.exit(130));
  });

  const began = Date.now();
  const results: SuiteResult[] = [];
  const skipped: string[] = [];
  const fs = makeFsTree();
  try {
    results.push(await runSuite(filesystemSuite(fs), opts, log));
  } finally {
    fs.cleanup();
  }
  const url = process.env.DATABASE_URL;
  if (url) {
    const pgFx = await makePgFixture(url);
    try {
      results.push(await runSuite(postgresSuite(pgFx), opts, log));
    } finally {
      await pgFx.cleanup();
    }
  } else {
    if (process.env.CI === 'true') throw new Error('DATABASE_URL is required when CI=true');
    skipped.push('postgres: DATABASE_URL is not set');
    log('skipping postgres: DATABASE_URL is not set (postgres://postgres@127.0.0.1:5432/test)');
  }

  const report = { machine: { ...machine, loadavgEnd: loads() }, options: opts, startedAt: new Date(began).toISOString(), durationS: Math.round((Date.now() - began) / 1000), skipped, results };
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/reference.json'), `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`\n${markdownTable(results)}\n\n`);
  process.stdout.write(
    `${report.startedAt}; ${machine.cpus} × ${model}, Node ${machine.node}, load ${machine.loadavgStart.join(' ')} → ${report.machine.loadavgEnd.join(' ')}; ${report.durationS} s; bench/results/reference.json\n`,
  );
  const errors = errorCount(results);
  if (errors > 0) log(`${errors} calls failed; samples in bench/results/reference.json`);
  return errors > 0 ? 1 : 0;
}
