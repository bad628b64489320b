// The official conformance suite (0.1.16, server mode) against the mcplex fixture, gated for real:
// all 30 active scenarios must be present, each with ≥1 SUCCESS and no FAILURE or WARNING. Pending is reported only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FixtureProcess, startFixture } from './fixture-process.js';
import { ACTIVE_SCENARIOS, checkConformance, formatReport, type GateOutcome } from './gate.js';

describe('official conformance suite against the fixture', () => {
  let fixture: FixtureProcess | undefined;
  let outcome: GateOutcome | undefined;

  beforeAll(async () => {
    fixture = await startFixture({ startTimeoutMs: 30_000 });
  }, 45_000);

  afterAll(async () => {
    await fixture?.stop();
  }, 15_000);

  it('passes all 30 active scenarios (pending reported, not gated)', { timeout: 240_000 }, async () => {
    outcome = await checkConformance({ url: fixture!.url, label: 'vitest', suites: ['active', 'pending'], timeoutMs: 180_000 });
    console.log(formatReport('vitest', outcome));
    expect(outcome.problems).toEqual([]);
    expect(outcome.active.map((r) => r.scenario).sort()).toEqual([...ACTIVE_SCENARIOS].sort());
    for (const r of outcome.active) {
      expect({ scenario: r.scenario, verdict: r.verdict, failure: r.failure, warning: r.warning }).toEqual({
        scenario: r.scenario,
        verdict: 'PASS',
        failure: 0,
        warning: 0,
      });
      expect(r.success, r.scenario).toBeGreaterThanOrEqual(1);
    }
    expect(outcome.ok).toBe(true);
  });

  it('runs the pending suite and keeps the raw 2020-12 schema intact', () => {
    expect(outcome, 'the suite run above must have completed').toBeDefined();
    const pending = new Map(outcome!.pending.map((r) => [r.scenario, r]));
    expect([...pending.keys()].sort()).toEqual(['json-schema-2020-12', 'server-sse-polling']);
    // json-schema-2020-12 is fully within our control; server-sse-polling cannot pass on 0.1.16 (see report).
    expect(pending.get('json-schema-2020-12')).toMatchObject({ verdict: 'PASS', success: 4, failure: 0, warning: 0 });
    expect(pending.get('server-sse-polling')?.failure).toBe(0);
  });
});
