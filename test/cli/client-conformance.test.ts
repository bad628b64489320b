// The mcplex CLI against the official conformance suite's client scenarios (all of them: both eras, the auth
// scenarios and the extensions: client credentials, DPoP, workload identity, enterprise-managed authorization):
// test/conformance/cli-client.mjs types the commands a person (or a machine) would for each, and is the person's
// browser. Every check passes.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runClientSuite } from '../conformance/run-client-suite.js';
import { killStarted, ROOT } from '../helpers/process.js';

afterAll(() => killStarted());

describe('the mcplex CLI as a client, against the official conformance suite', () => {
  it('passes every client scenario of both eras and the extensions', { timeout: 600_000 }, async () => {
    expect(existsSync(join(ROOT, 'dist/cli/main.js')), 'dist/cli/main.js: run `npm run build` first (npm test does)').toBe(true);
    const run = await runClientSuite(join(ROOT, 'test/conformance/cli-client.mjs'));
    expect(run.scenarios.length).toBeGreaterThanOrEqual(48);
    // Every scenario wrote its checks (one that did not is missing here).
    expect([...run.bad.keys()], run.log).toEqual(run.scenarios);
    expect(Object.fromEntries([...run.bad].filter(([, bad]) => bad.length > 0)), run.log).toEqual({});
    console.log(`client conformance (CLI): ${run.scenarios.length} scenarios, ${run.passed} checks passed`);
  });
});
