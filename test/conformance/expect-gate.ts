// The conformance gate as vitest assertions, shared by the direct run and the runs through the gateway so all three
// hold the fixture to the same bar: every required scenario of both revisions passes, or fails only as known.
import { expect } from 'vitest';
import type { GateOutcome } from './gate.js';
import { GATED_EXTRAS, knownFor, REQUIRED, REVISIONS, SKILL_SCENARIOS } from './scenarios.js';

/** Both revisions' required scenarios present, each PASS (≥1 success, nothing failed or warned) or one of its known failures. */
export function expectGatePasses(outcome: GateOutcome): void {
  expect(outcome.problems).toEqual([]);
  for (const revision of REVISIONS) {
    const required = outcome.results.filter((r) => r.run === revision && r.required);
    expect(required.map((r) => r.scenario).sort(), revision).toEqual([...REQUIRED[revision]].sort());
    for (const r of required) {
      const allowed = knownFor(outcome.target, revision, r.scenario).length > 0 ? ['PASS', 'KNOWN'] : ['PASS'];
      expect(allowed, `${revision} ${r.scenario}: ${r.verdict} ${r.bad.map((b) => b.id).join(', ')}`).toContain(r.verdict);
      expect(r.success, r.scenario).toBeGreaterThanOrEqual(1);
    }
  }
  expect(outcome.ok).toBe(true);
}

/** The unscored scenarios are run and listed: tasks (reported), json-schema-2020-12 and the rest of GATED_EXTRAS (passing). */
export function expectUnscoredListed(outcome: GateOutcome | undefined): void {
  expect(outcome, 'the suite run above must have completed').toBeDefined();
  const unscored = outcome!.results.filter((r) => !r.required);
  expect(unscored.filter((r) => r.run === '2026-07-28' && r.scenario.startsWith('tasks-')).length).toBe(10);
  expect(unscored.filter((r) => r.run === 'extensions').map((r) => r.scenario)).toEqual([...SKILL_SCENARIOS].sort());
  for (const run of [...REVISIONS, 'extensions'] as const) {
    for (const scenario of GATED_EXTRAS[run]) {
      const result = outcome!.results.find((r) => r.run === run && r.scenario === scenario);
      // A known failure of this target may fail (it is printed with its reason); everything else passes.
      if (knownFor(outcome!.target, run, scenario).length > 0) expect(result, `${run} ${scenario}`).toMatchObject({ gated: true, verdict: expect.stringMatching(/^(PASS|KNOWN)$/) });
      else expect(result, `${run} ${scenario}`).toMatchObject({ gated: true, verdict: 'PASS', failure: 0 });
    }
  }
  // SEP-2106 on 2026-07-28: all 2020-12 keywords ($anchor, allOf, if/then/else …) survive, 8 checks.
  expect(outcome!.results.find((r) => r.run === '2026-07-28' && r.scenario === 'json-schema-2020-12')).toMatchObject({ success: 8, failure: 0 });
}
