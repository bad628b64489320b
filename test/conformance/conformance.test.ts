// The official conformance suite (0.2.0-alpha.12, server mode) against the mcplex fixture, both revisions, gated for
// real on checks.json: every required scenario present with ≥1 SUCCESS and no FAILURE or WARNING, bar known failures.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { expectGatePasses, expectUnscoredListed } from './expect-gate.js';
import { type FixtureProcess, startFixture } from './fixture-process.js';
import { checkConformance, formatReport, type GateOutcome } from './gate.js';

describe('official conformance suite against the fixture', () => {
  let fixture: FixtureProcess | undefined;
  let outcome: GateOutcome | undefined;

  beforeAll(async () => {
    fixture = await startFixture({ startTimeoutMs: 30_000 });
  }, 45_000);

  afterAll(async () => {
    await fixture?.stop();
  }, 15_000);

  it('passes every required scenario of 2025-11-25 and 2026-07-28', { timeout: 240_000 }, async () => {
    outcome = await checkConformance('fixture', { url: fixture!.url, label: 'vitest', timeoutMs: 180_000 });
    console.log(formatReport('vitest', outcome));
    expectGatePasses(outcome);
  });

  it('lists the unscored scenarios (tasks, skills, pending) and gates those that pass', () => {
    expectUnscoredListed(outcome);
  });
});
