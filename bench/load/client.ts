// The load client's plan runner: the modes of one plan in order against one target (HTTP in either era, or
// the upstream over stdio for `direct`). main.ts runs it in its own process.
import { type IdleResult, type IdleSpec, runIdleSessions } from './idle.js';
import { type ModeResult, type ModeSpec, runMode } from './measure.js';
import { LegacyHttpSession, type McpSession, ModernHttpSession } from './sessions.js';
import { StdioSession } from './stdio-session.js';

export type LoadTarget =
  | { kind: 'http'; url: string; era: 'legacy' | 'modern'; serverPid: number; toolPrefix: string; headers?: Record<string, string>; sameArgs?: boolean }
  | { kind: 'stdio'; command: string; args: string[] };

export interface LoadPlan {
  target: LoadTarget;
  modes: ModeSpec[];
  /** Idle 2025-era sessions measured before the modes (HTTP legacy targets only). */
  idle?: IdleSpec;
  /** The client exits (code 3) if it is still running after this long. */
  deadlineMs: number;
}

export async function runPlan(plan: LoadPlan, onResult: (r: ModeResult) => void, onIdle: (r: IdleResult) => void = () => undefined): Promise<void> {
  const t = plan.target;
  if (plan.idle) {
    if (t.kind !== 'http' || t.era !== 'legacy') throw new Error('idle sessions need a 2025-era HTTP target');
    const url = new URL(t.url);
    onIdle(await runIdleSessions(plan.idle, (timeoutMs) => LegacyHttpSession.open(url, timeoutMs, t.headers), [t.serverPid]));
  }
  for (const spec of plan.modes) {
    let result: ModeResult;
    if (t.kind === 'stdio') {
      result = await runMode(
        spec,
        () => StdioSession.open(t.command, t.args, 15_000),
        (sessions) => sessions.map((s) => (s as StdioSession).pid),
        (name) => name,
      );
    } else {
      const url = new URL(t.url);
      const open = (): Promise<McpSession> => (t.era === 'legacy' ? LegacyHttpSession.open(url, 15_000, t.headers) : Promise.resolve(new ModernHttpSession(url, t.headers)));
      result = await runMode(spec, open, () => [t.serverPid], (name) => `${t.toolPrefix}${name}`, t.sameArgs);
    }
    if (!spec.discard) onResult(result);
    else if (result.errors > 0) throw new Error(`${spec.name}: ${result.errors} calls failed: ${result.errorSamples.join('; ')}`);
  }
}
