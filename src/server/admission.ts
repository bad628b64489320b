// Admission of the requests the SDK answers itself: the gate hands each one here, the pipeline runs, and its
// terminal (the SDK_OWNED slot) passes the request on to the SDK. A 2026-era listen opens what it asks to hear
// about only here, after the pipeline, and closes it when the listen ends.
import type { SubscriptionFilter } from '@modelcontextprotocol/server';
import { type CallContext, ErrorCode, type Handler, type Logger, type McpResult, mapError, type RequestMeta, stateKey, WireError } from '../core/index.js';
import { buildCallContext } from './call-context.js';
import type { Admit, GatedRequest } from './gate.js';
import { paramsProblem } from './params-check.js';

/** The terminal for an admitted request: hand it to the SDK. Set by the admission, read by the host's terminal. */
export const SDK_OWNED = stateKey<() => Promise<McpResult>>('mcplex.sdkOwned');

/** What a listen holds: `open` runs once the SDK has accepted the listen, `release` when it ends (either way). */
export interface ListenLease {
  open(): Promise<unknown>;
  release(): void;
}

/**
 * Told of each admitted `subscriptions/listen` before the SDK serves it; may refuse it by throwing (a WireError),
 * e.g. past a per-caller bound. Nothing it opens may be opened before the lease's `open`.
 */
export type ListenHook = (filter: SubscriptionFilter, ctx: CallContext) => ListenLease | undefined;

export interface AdmissionHost {
  readonly logger: Logger;
  pipeline(): Handler;
  readonly onListen?: ListenHook;
}

const MODERN_ONLY = new Set(['server/discover', 'subscriptions/listen']);
const ENVELOPE_VERSION = 'io.modelcontextprotocol/protocolVersion';
const REMOVED_IN_2026 = new Set(['logging/setLevel']);

async function listening(hook: ListenHook | undefined, req: GatedRequest, ctx: CallContext): Promise<McpResult> {
  const lease = hook?.((req.params.notifications ?? {}) as SubscriptionFilter, ctx);
  try {
    const answered = req.deliver();
    if (lease) void req.accepted.then(() => lease.open());
    return await answered;
  } finally {
    lease?.release();
  }
}

export function admission(host: AdmissionHost): Admit {
  return async (req) => {
    const meta = (req.params._meta ?? {}) as RequestMeta;
    const era = MODERN_ONLY.has(req.method) || ENVELOPE_VERSION in meta ? 'modern' : 'legacy';
    // A method 2026-07-28 removed is refused by the SDK as unknown (404) whatever its params: check those only in the 2025 era.
    const problem = era === 'modern' && REMOVED_IN_2026.has(req.method) ? undefined : paramsProblem(req.method, req.params);
    if (problem) throw new WireError(ErrorCode.InvalidParams, `Invalid params for ${req.method}: ${problem}`);
    const ctx = buildCallContext(host.logger, {
      method: req.method,
      params: req.params,
      era,
      meta,
      signal: req.signal,
      rid: req.id,
      identity: req.identity,
      request: req.http,
    });
    ctx.state.set(SDK_OWNED, req.method === 'subscriptions/listen' ? () => listening(host.onListen, req, ctx) : req.deliver);
    try {
      return await host.pipeline()(ctx);
    } catch (err) {
      const outcome = mapError(req.method, err, ctx.log);
      if ('result' in outcome) return outcome.result;
      throw outcome.error;
    }
  };
}
