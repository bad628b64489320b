// What the conformance gate expects of suite 0.2.0-alpha.12: the required server scenarios of each revision, the
// unscored ones that pass today (gated too), and each known failure with its reason (printed, never silently skipped).

export const REVISIONS = ['2025-11-25', '2026-07-28'] as const;
export type Revision = (typeof REVISIONS)[number];
/** A suite run: one revision's requirements, or the extension scenarios the requirement sets do not list (skills). */
export type RunName = Revision | 'extensions';
export type TargetKind = 'fixture' | 'gateway-http' | 'gateway-stdio' | 'external';

const BOTH = [
  'completion-complete',
  'tools-list',
  'tools-call-simple-text',
  'tools-call-image',
  'tools-call-audio',
  'tools-call-embedded-resource',
  'tools-call-mixed-content',
  'tools-call-error',
  'tools-call-with-progress',
  'server-sse-multiple-streams',
  'resources-list',
  'resources-read-text',
  'resources-read-binary',
  'resources-templates-read',
  'prompts-list',
  'prompts-get-simple',
  'prompts-get-with-args',
  'prompts-get-embedded-resource',
  'prompts-get-with-image',
  'dns-rebinding-protection',
];

/** `conformance list --server --requirements <revision>` (frozen at each release): 30 and 37 scenarios. */
export const REQUIRED: Record<Revision, readonly string[]> = {
  '2025-11-25': [
    ...BOTH,
    'server-initialize',
    'logging-set-level',
    'ping',
    'tools-call-with-logging',
    'tools-call-sampling',
    'tools-call-elicitation',
    'elicitation-sep1034-defaults',
    'elicitation-sep1330-enums',
    'resources-subscribe',
    'resources-unsubscribe',
  ],
  '2026-07-28': [
    ...BOTH,
    'server-stateless',
    'sep-2164-resource-not-found',
    'caching',
    ...[
      'basic-elicitation',
      'basic-sampling',
      'basic-list-roots',
      'request-state',
      'multiple-input-requests',
      'multi-round',
      'missing-input-response',
      'non-tool-request',
      'result-type',
      'unsupported-methods',
      'tampered-state',
      'capability-check',
      'ignore-extra-params',
      'validate-input',
    ].map((s) => `input-required-result-${s}`),
  ],
};

/** The skills extension (SEP-2640): not in either requirement set, run by name. */
export const SKILL_SCENARIOS = ['sep-2640-skills-directory', 'sep-2640-skills-enumeration', 'sep-2640-skills-manifest'] as const;

/**
 * The tasks extension (SEP-2663) scenarios the fixture passes: all but `tasks-status-notifications`, which the suite
 * itself skips (its harness awaits a rewrite for subscriptions/listen).
 */
export const TASK_SCENARIOS = [
  'tasks-capability-negotiation',
  'tasks-dispatch-and-envelope',
  'tasks-lifecycle',
  'tasks-mrtr-composition',
  'tasks-mrtr-input',
  'tasks-request-headers',
  'tasks-request-state-removal',
  'tasks-required-task-error',
  'tasks-wire-fields',
] as const;

/**
 * Unscored scenarios (pending, added after release, extensions) that pass today: gated like required ones so they
 * cannot regress. The skills scenarios pass vacuously (the fixture declares no skills extension; their checks are SKIPPED).
 */
export const GATED_EXTRAS: Record<RunName, readonly string[]> = {
  '2025-11-25': ['json-schema-2020-12', 'server-session-lifecycle', 'server-sse-polling'],
  '2026-07-28': ['json-schema-2020-12', 'http-header-validation', 'http-custom-header-server-validation', ...TASK_SCENARIOS],
  extensions: SKILL_SCENARIOS,
};

export interface KnownFailure {
  targets: readonly TargetKind[];
  revision: Revision;
  scenario: string;
  /** Check ids allowed to fail or warn; absent: the whole scenario may fail. */
  checks?: readonly string[];
  reason: string;
}

/** Each one printed with its reason on every run; anything else that fails or warns fails the gate. */
export const KNOWN_FAILURES: readonly KnownFailure[] = [];

/** The known failures that apply to one scenario of one run against one target. */
export function knownFor(target: TargetKind, run: RunName, scenario: string, list: readonly KnownFailure[] = KNOWN_FAILURES): KnownFailure[] {
  return list.filter((k) => k.revision === run && k.scenario === scenario && k.targets.includes(target));
}
