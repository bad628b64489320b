// The conformance gate itself: empty, warning, failing, missing and duplicated scenarios must all fail it,
// so a green run really means 30 scenarios each with ≥1 SUCCESS and nothing else.
import { describe, expect, it } from 'vitest';
import { ACTIVE_SCENARIOS, formatResult, gate } from './gate.js';
import { judge, type ScenarioResult, type SuiteRun } from './run-suite.js';

const ok = (scenario: string): ScenarioResult => judge(scenario, 'active', [{ status: 'SUCCESS' }, { status: 'INFO' }]);
const run = (results: ScenarioResult[], suite: 'active' | 'pending' = 'active'): SuiteRun => ({ suite, outDir: '/x', exitCode: 0, results, log: '' });

describe('judge', () => {
  it('passes only with ≥1 SUCCESS and no FAILURE/WARNING', () => {
    expect(ok('a').verdict).toBe('PASS');
    expect(judge('a', 'active', []).verdict).toBe('FAIL');
    expect(judge('a', 'active', [{ status: 'INFO' }, { status: 'SKIPPED' }]).verdict).toBe('FAIL');
    expect(judge('a', 'active', [{ status: 'SUCCESS' }, { status: 'WARNING', name: 'W', errorMessage: 'late' }])).toMatchObject({
      verdict: 'WARN',
      firstError: 'W: late',
    });
    const failed = judge('a', 'active', [{ status: 'WARNING', name: 'W' }, { status: 'FAILURE', name: 'F', errorMessage: 'boom' }]);
    expect(failed).toMatchObject({ verdict: 'FAIL', success: 0, failure: 1, warning: 1, firstError: 'F: boom' });
    expect(formatResult(failed)).toBe('FAIL a S=0 F=1 W=1 F: boom');
  });
});

describe('gate', () => {
  const all = ACTIVE_SCENARIOS.map(ok);

  it('accepts exactly the 30 active scenarios passing, ignoring pending verdicts', () => {
    const pending = [judge('server-sse-polling', 'pending', [{ status: 'WARNING' }])];
    expect(gate([run(all), run(pending, 'pending')])).toMatchObject({ ok: true, problems: [] });
  });

  it('rejects a missing, duplicated, unexpected, warning or empty scenario', () => {
    expect(gate([run(all.slice(1))]).ok).toBe(false);
    expect(gate([run([...all, ok('ping')])]).ok).toBe(false);
    expect(gate([run([...all.slice(1), ok('made-up')])]).ok).toBe(false);
    const warned = all.map((r, i) => (i === 3 ? judge(r.scenario, 'active', [{ status: 'SUCCESS' }, { status: 'WARNING' }]) : r));
    expect(gate([run(warned)]).problems).toEqual([expect.stringMatching(/^WARN completion-complete/)]);
    const empty = all.map((r, i) => (i === 0 ? judge(r.scenario, 'active', []) : r));
    expect(gate([run(empty)]).ok).toBe(false);
    expect(gate([]).ok).toBe(false);
  });
});
