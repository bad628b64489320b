// The mcplex CLI against the official conformance suite's client scenarios (all of them: both eras, the auth
// scenarios and the extensions: client credentials, DPoP, workload identity, enterprise-managed authorization):
// test/conformance/cli-client.mjs types the commands a person (or a machine) would for each, and is the person's
// browser. Every check passes.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CONFORMANCE_CLI, NODE22 } from '../conformance/run-suite.js';
import { ROOT, track, waitForExit } from '../helpers/process.js';

const WRAPPER = join(ROOT, 'test/conformance/cli-client.mjs');
const out = mkdtempSync(join(tmpdir(), 'mcplex-client-conformance-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

interface Check {
  id: string;
  status: string;
  errorMessage?: string;
  description?: string;
}

describe('the mcplex CLI as a client, against the official conformance suite', () => {
  it('passes every client scenario of both eras and the extensions', { timeout: 240_000 }, async () => {
    expect(existsSync(join(ROOT, 'dist/cli/main.js')), 'dist/cli/main.js: run `npm run build` first (npm test does)').toBe(true);
    const suite = spawn(NODE22, [CONFORMANCE_CLI, 'client', '--command', `${process.execPath} ${WRAPPER}`, '--suite', 'all', '--output-dir', out], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    track(suite.pid!);
    let log = '';
    suite.stdout.on('data', (d: Buffer) => (log += d));
    suite.stderr.on('data', (d: Buffer) => (log += d));
    await waitForExit(suite, 200_000);

    // Every scenario's checks.json, by scenario (`auth/<name>-<time>` or `<name>-<time>`).
    const results = new Map<string, Check[]>();
    for (const file of readdirSync(out, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('checks.json'))) {
      const scenario = file.replace(/-\d{4}-\d{2}-\d{2}T[\d-]+Z\/checks\.json$/, '');
      results.set(scenario, JSON.parse(readFileSync(join(out, file), 'utf8')) as Check[]);
    }
    const listed = [...log.matchAll(/^[✓✗] (\S+):/gm)].map((m) => m[1]!);
    expect(listed.length, log.slice(-3000)).toBeGreaterThanOrEqual(45);
    expect([...results.keys()].sort()).toEqual([...listed].sort());

    const bad = (checks: Check[]) => checks.filter((c) => c.status === 'FAILURE' || c.status === 'WARNING').map((c) => `${c.status} ${c.id}: ${c.errorMessage ?? c.description ?? ''}`);
    const failing = Object.fromEntries(
      [...results].flatMap(([scenario, checks]) => (bad(checks).length > 0 ? [[scenario, bad(checks)]] : [])),
    );
    expect(failing).toEqual({});
    const passed = [...results.values()].flat().filter((c) => c.status === 'SUCCESS').length;
    console.log(`client conformance: ${results.size} scenarios, ${passed} checks passed`);
  });
});
