// Test helpers for the core layer: a minimal CallContext and a logger that records what it was given.
// Nothing here touches the network or the SDK.
import { ANONYMOUS, type CallContext, ContextState, type Logger } from '../../src/core/index.js';

export interface RecordingLogger extends Logger {
  readonly errors: Array<{ obj: unknown; msg?: string }>;
}

export function recordingLogger(): RecordingLogger {
  const errors: Array<{ obj: unknown; msg?: string }> = [];
  const log: RecordingLogger = {
    errors,
    debug() {},
    info() {},
    warn() {},
    error(obj, msg) {
      errors.push({ obj, ...(msg !== undefined && { msg }) });
    },
    child() {
      return log;
    },
  };
  return log;
}

export function makeCtx(overrides: Partial<Pick<CallContext, 'method' | 'target' | 'params' | 'era'>> = {}): CallContext {
  return {
    method: 'tools/call',
    params: {},
    principal: ANONYMOUS,
    era: 'legacy',
    meta: {},
    signal: new AbortController().signal,
    log: recordingLogger(),
    state: new ContextState(),
    ...overrides,
  };
}
