// The gateway toward its upstreams, against the official conformance suite's client scenarios: `mcplex serve` with
// the suite's server as its one upstream, authorized as an operator does it (test/conformance/gateway-client.mjs),
// and a caller calling through it. Every check passes but those of what the gateway does not do toward upstreams,
// named below with why.
import { afterAll, describe, it } from 'vitest';
import { expectClientConformance } from '../conformance/run-client-suite.js';
import { killStarted } from '../helpers/process.js';

/** Scenarios the gateway does not pass toward upstreams, and why. */
const NOT_DONE: Record<string, string> = {
  'auth/enterprise-managed-authorization': "enterprise-managed authorization (ID-JAG) toward upstreams: the gateway holds no person's ID token from their identity provider (the CLI has it: --id-token)",
};

afterAll(() => killStarted());

describe('the gateway as a client of its upstreams, against the official conformance suite', () => {
  it('passes the client scenarios of both eras, the auth scenarios included', { timeout: 600_000 }, async () => {
    const run = await expectClientConformance('test/conformance/gateway-client.mjs', NOT_DONE);
    console.log(`client conformance (gateway): ${run.scenarios.length} scenarios, ${run.passed} checks passed; not done: ${Object.entries(NOT_DONE).map(([s, why]) => `${s} (${why})`).join('; ') || 'none'}`);
  });
});
