// Smoke test of `npm run bench -- reference` (never the benchmark itself): the runner with 3 iterations against
// our filesystem server and the official one, and on PostgreSQL (DATABASE_URL) the same, every reply checked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FsTree, makeFsTree, makePgFixture, type PgFixture } from '../../bench/reference/fixtures.js';
import { errorCount, markdownTable } from '../../bench/reference/report.js';
import { type RunOptions, runSuite, type SuiteResult } from '../../bench/reference/runner.js';
import { filesystemSuite, postgresSuite } from '../../bench/reference/tasks.js';
import { tsxArgs } from '../helpers/process.js';

// Ours from source through tsx, so the test does not depend on a fresh `npm run build`.
const CLI = tsxArgs('src/cli/main.ts');
const opts: RunOptions = { iterations: 3, warmup: 1, starts: 1 };

function expectMeasured(result: SuiteResult, tasks: number): void {
  expect(errorCount([result]), JSON.stringify(result.tasks.map((t) => [t.ours.errorSamples, t.official.errorSamples]))).toBe(0);
  expect(result.tasks).toHaveLength(tasks);
  for (const side of [result.startupMs.ours, result.startupMs.official]) expect(side.p50).toBeGreaterThan(0);
  for (const t of result.tasks) {
    for (const side of [t.ours, t.official]) {
      expect(side.n).toBe(3);
      expect(side.p50).toBeGreaterThan(0);
      expect(side.p95).toBeGreaterThanOrEqual(side.p50);
      expect(side.callsPerSec).toBeGreaterThan(0);
      expect(side.serverCpuUsPerCall).toBeGreaterThanOrEqual(0);
    }
  }
  expect(markdownTable([result])).toContain(`| ${result.suite} | ${result.tasks[0]!.name} |`);
}

describe('bench reference: filesystem', () => {
  let fx: FsTree;
  beforeAll(() => {
    fx = makeFsTree();
  });
  afterAll(() => fx.cleanup());

  it('times a small read on ours and on the official server', async () => {
    const result = await runSuite(filesystemSuite(fx, CLI), { ...opts, tasks: ['read small file'] });
    expectMeasured(result, 1);
  }, 30_000);

  it('counts a reply that fails its check as an error', async () => {
    const suite = filesystemSuite(fx, CLI);
    suite.tasks = [{ ...suite.tasks[0]!, official: async () => Promise.reject(new Error('wrong reply')) }];
    const result = await runSuite(suite, opts);
    expect(result.tasks[0]!.official).toMatchObject({ n: 0, errors: 3, errorSamples: ['wrong reply', 'wrong reply', 'wrong reply'] });
    expect(result.tasks[0]!.ours.errors).toBe(0);
  }, 30_000);
});

const URL_ = process.env.DATABASE_URL;
if (!URL_ && process.env.CI === 'true') throw new Error('DATABASE_URL is required when CI=true (postgres://postgres@127.0.0.1:5432/test)');
if (!URL_) console.log('skipping the PostgreSQL reference bench test: DATABASE_URL is not set');

describe.skipIf(!URL_)('bench reference: PostgreSQL', () => {
  let fx: PgFixture;
  beforeAll(async () => {
    fx = await makePgFixture(URL_!);
  });
  afterAll(() => fx?.cleanup());

  it('times list tables and a SELECT on ours and on the official server', async () => {
    expectMeasured(await runSuite(postgresSuite(fx, CLI), opts), 2);
  }, 30_000);
});
