// The conformance gate itself: empty, warning, failing, missing and duplicated scenarios must all fail it, a known
// failure passes only for its target and checks, so a green run means what the report says.
import { describe, expect, it } from 'vitest';
import { formatReport, formatResult, gate, judge, judge as judgeWith } from './gate.js';
import { type Check, type ScenarioChecks, type SuiteRun, summarize } from './run-suite.js';
import { GATED_EXTRAS, type KnownFailure, REQUIRED, type RunName, type TargetKind } from './scenarios.js';

const ok = (scenario: string, run: RunName = '2025-11-25'): ScenarioChecks => summarize(scenario, run, [{ status: 'SUCCESS' }, { status: 'INFO' }]);
const suite = (run: RunName, results: ScenarioChecks[]): SuiteRun => ({ run, outDir: '/x', exitCode: 0, results, log: '' });
const allOf = (run: RunName) => [...(run === 'extensions' ? [] : REQUIRED[run]), ...GATED_EXTRAS[run]].map((s) => ok(s, run));
const full = (patch: (run: RunName, rs: ScenarioChecks[]) => ScenarioChecks[] = (_r, rs) => rs) =>
  (['2025-11-25', '2026-07-28', 'extensions'] as const).map((run) => suite(run, patch(run, allOf(run))));
const replace = (rs: ScenarioChecks[], scenario: string, checks: Check[]) => rs.map((r) => (r.scenario === scenario ? summarize(scenario, r.run, checks) : r));

describe('judge', () => {
  it('passes only with ≥1 SUCCESS and no FAILURE/WARNING', () => {
    expect(judge('fixture', ok('ping')).verdict).toBe('PASS');
    expect(judge('fixture', summarize('ping', '2025-11-25', [])).verdict).toBe('FAIL');
    expect(judge('fixture', summarize('ping', '2025-11-25', [{ status: 'INFO' }, { status: 'SKIPPED' }])).verdict).toBe('FAIL');
    expect(judge('fixture', summarize('ping', '2025-11-25', [{ status: 'SUCCESS' }, { status: 'WARNING', id: 'w', errorMessage: 'late' }])).verdict).toBe('WARN');
    const failed = judge('fixture', summarize('ping', '2025-11-25', [{ status: 'WARNING', id: 'w' }, { status: 'FAILURE', id: 'f', errorMessage: 'boom' }]));
    expect(failed).toMatchObject({ verdict: 'FAIL', success: 0, failure: 1, warning: 1, gated: true, required: true });
    expect(formatResult(failed)).toBe('FAIL ping S=0 F=1 W=1\n    W w: \n    F f: boom');
    expect(formatResult(judge('fixture', summarize('ping', '2025-11-25', [])))).toBe('FAIL ping S=0 F=0 W=0\n    no checks succeeded');
  });

  it('accepts a known failure only for its target and its checks', () => {
    const reason = 'an example known failure';
    const known: KnownFailure[] = [
      { targets: ['gateway-stdio'], revision: '2026-07-28', scenario: 'server-stateless', checks: ['sep-2575-server-rejects-undeclared-capability'], reason },
      { targets: ['gateway-stdio'], revision: '2026-07-28', scenario: 'input-required-result-multi-round', reason },
    ];
    const judge = (target: TargetKind, r: ScenarioChecks) => judgeWith(target, r, known);
    const undeclared = { status: 'FAILURE', id: 'sep-2575-server-rejects-undeclared-capability', errorMessage: 'got isError' };
    const stateless = summarize('server-stateless', '2026-07-28', [{ status: 'SUCCESS' }, undeclared]);
    expect(judge('gateway-stdio', stateless).verdict).toBe('KNOWN');
    expect(judge('fixture', stateless).verdict).toBe('FAIL');
    expect(judge('external', stateless).verdict).toBe('FAIL');
    const other = summarize('server-stateless', '2026-07-28', [{ status: 'SUCCESS' }, undeclared, { status: 'FAILURE', id: 'sep-2575-other' }]);
    expect(judge('gateway-stdio', other).verdict).toBe('FAIL');
    const relay = summarize('input-required-result-multi-round', '2026-07-28', [{ status: 'FAILURE', id: 'x' }]);
    expect(judge('gateway-stdio', relay).verdict).toBe('KNOWN');
    expect(judge('gateway-http', relay).verdict).toBe('FAIL');
    expect(formatResult(judge('gateway-stdio', relay))).toMatch(/known failure: an example known failure/);
  });
});

describe('gate', () => {
  it('accepts every gated scenario passing, whatever the unscored ones do', () => {
    const runs = full((run, rs) => (run === '2026-07-28' ? [...rs, summarize('tasks-status-notifications', run, [{ status: 'FAILURE', id: 't' }])] : rs));
    const outcome = gate('fixture', runs);
    expect(outcome).toMatchObject({ ok: true, problems: [] });
    expect(formatReport('t', outcome)).toMatch(/reported only ==\nFAIL tasks-status-notifications/);
    // A gated tasks scenario failing fails every target (none has a known failure left).
    const tasksFail = full((run, rs) => (run === '2026-07-28' ? replace(rs, 'tasks-mrtr-composition', [{ status: 'FAILURE', id: 't' }]) : rs));
    for (const target of ['fixture', 'gateway-http', 'gateway-stdio'] as const) expect(gate(target, tasksFail).ok).toBe(false);
  });

  it('rejects a missing, duplicated, warning, failing or empty gated scenario, and a revision not run', () => {
    expect(gate('fixture', full((run, rs) => (run === '2026-07-28' ? rs.slice(1) : rs))).problems).toEqual([
      '[2026-07-28] missing scenarios (no checks.json): completion-complete',
    ]);
    expect(gate('fixture', full((run, rs) => (run === '2025-11-25' ? [...rs, ok('ping')] : rs))).ok).toBe(false);
    const warned = full((run, rs) => (run === '2026-07-28' ? replace(rs, 'caching', [{ status: 'SUCCESS' }, { status: 'WARNING', id: 'w' }]) : rs));
    expect(gate('fixture', warned).problems).toEqual([expect.stringMatching(/^\[2026-07-28\] WARN caching/)]);
    expect(gate('fixture', full((run, rs) => (run === 'extensions' ? replace(rs, 'sep-2640-skills-manifest', []) : rs))).ok).toBe(false);
    expect(gate('fixture', full((run, rs) => (run === '2025-11-25' ? replace(rs, 'json-schema-2020-12', [{ status: 'FAILURE' }]) : rs))).ok).toBe(false);
    expect(gate('fixture', full().slice(1)).problems).toContain('the 2025-11-25 requirements were not run');
  });
});
