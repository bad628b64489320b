// The mcplex CLI against the official conformance suite's client scenarios (all of them: both eras, the auth
// scenarios and the extensions: client credentials, DPoP, workload identity, enterprise-managed authorization):
// test/conformance/cli-client.mjs types the commands a person (or a machine) would for each, and is the person's
// browser. Every check passes.
import { afterAll, describe, it } from 'vitest';
import { expectClientConformance } from '../conformance/run-client-suite.js';
import { killStarted } from '../helpers/process.js';

afterAll(() => killStarted());

describe('the mcplex CLI as a client, against the official conformance suite', () => {
  it('passes every client scenario of both eras and the extensions', { timeout: 600_000 }, async () => {
    const run = await expectClientConformance('test/conformance/cli-client.mjs');
    console.log(`client conformance (CLI): ${run.scenarios.length} scenarios, ${run.passed} checks passed`);
  });
});
