// The pass/fail gate over conformance results: all 30 active scenarios of 0.1.16 must be present and PASS;
// pending scenarios are reported, never gated. Also the one-line-per-scenario report format.
import { type RunOptions, runConformance, type ScenarioResult, type SuiteRun } from './run-suite.js';

/** `conformance list --server` for 0.1.16 minus the pending pair (json-schema-2020-12, server-sse-polling). */
export const ACTIVE_SCENARIOS = [
  'server-initialize',
  'logging-set-level',
  'ping',
  'completion-complete',
  'tools-list',
  'tools-call-simple-text',
  'tools-call-image',
  'tools-call-audio',
  'tools-call-embedded-resource',
  'tools-call-mixed-content',
  'tools-call-with-logging',
  'tools-call-error',
  'tools-call-with-progress',
  'tools-call-sampling',
  'tools-call-elicitation',
  'elicitation-sep1034-defaults',
  'server-sse-multiple-streams',
  'elicitation-sep1330-enums',
  'resources-list',
  'resources-read-text',
  'resources-read-binary',
  'resources-templates-read',
  'resources-subscribe',
  'resources-unsubscribe',
  'prompts-list',
  'prompts-get-simple',
  'prompts-get-with-args',
  'prompts-get-embedded-resource',
  'prompts-get-with-image',
  'dns-rebinding-protection',
] as const;
export const PENDING_SCENARIOS = ['json-schema-2020-12', 'server-sse-polling'] as const;

export interface GateOutcome {
  ok: boolean;
  problems: string[];
  active: ScenarioResult[];
  pending: ScenarioResult[];
}

/** Gates the active suite: exactly the 30 expected scenarios, each PASS. */
export function gate(runs: SuiteRun[]): GateOutcome {
  const active = runs.filter((r) => r.suite === 'active').flatMap((r) => r.results);
  const pending = runs.filter((r) => r.suite === 'pending').flatMap((r) => r.results);
  const problems: string[] = [];
  if (!runs.some((r) => r.suite === 'active')) problems.push('the active suite was not run');
  const seen = active.map((r) => r.scenario);
  const missing = ACTIVE_SCENARIOS.filter((s) => !seen.includes(s));
  const unexpected = seen.filter((s) => !(ACTIVE_SCENARIOS as readonly string[]).includes(s));
  const duplicated = seen.filter((s, i) => seen.indexOf(s) !== i);
  if (active.length !== ACTIVE_SCENARIOS.length) problems.push(`expected ${ACTIVE_SCENARIOS.length} active scenarios, found ${active.length}`);
  if (missing.length) problems.push(`missing active scenarios (no checks.json): ${missing.join(', ')}`);
  if (unexpected.length) problems.push(`unexpected active scenarios: ${unexpected.join(', ')}`);
  if (duplicated.length) problems.push(`duplicated active scenarios: ${duplicated.join(', ')}`);
  for (const r of active) if (r.verdict !== 'PASS') problems.push(`${r.verdict} ${r.scenario}: ${r.firstError ?? ''}`);
  return { ok: problems.length === 0, problems, active, pending };
}

export function formatResult(r: ScenarioResult): string {
  const line = `${r.verdict} ${r.scenario} S=${r.success} F=${r.failure} W=${r.warning}`;
  return r.firstError ? `${line} ${r.firstError.replace(/\s+/g, ' ').slice(0, 300)}` : line;
}

/** The full human-readable report: one line per scenario, then a summary per suite and the gate verdict. */
export function formatReport(label: string, outcome: GateOutcome): string {
  const lines: string[] = [];
  const tally = (rs: ScenarioResult[]) => {
    const n = (v: string) => rs.filter((r) => r.verdict === v).length;
    return `${n('PASS')} pass, ${n('WARN')} warn, ${n('FAIL')} fail of ${rs.length}`;
  };
  lines.push(`== conformance [${label}] active suite (gated) ==`, ...outcome.active.map(formatResult));
  if (outcome.pending.length) lines.push(`== conformance [${label}] pending suite (not gated) ==`, ...outcome.pending.map(formatResult));
  lines.push(`summary [${label}]: active ${tally(outcome.active)}; pending ${tally(outcome.pending)}`);
  lines.push(outcome.ok ? `GATE OK: ${ACTIVE_SCENARIOS.length}/${ACTIVE_SCENARIOS.length} active scenarios pass` : 'GATE FAILED:');
  for (const p of outcome.problems) lines.push(`  - ${p}`);
  return lines.join('\n');
}

/** Runs the suites against `url` and gates the result; what the npm script, the test and a gateway run share. */
export async function checkConformance(opts: RunOptions): Promise<GateOutcome & { runs: SuiteRun[] }> {
  const runs = await runConformance(opts);
  return { ...gate(runs), runs };
}
