// A 2026-era tools/call over HTTP carries SEP-2243 `Mcp-Param-*` headers that the terminal checks against its
// arguments, once the pipeline has let the call through. What answers a call without reaching the terminal (a cache
// hit, an answer shared with an identical call in flight) runs the same check: the serving host sets it here for
// such calls, since the middleware layer knows no tool's schema.
import type { CallContext } from './context.js';
import { stateKey } from './state.js';

/** Throws the -32020 refusal when the call's headers disagree with its arguments; absent when there is nothing to check. */
export const PARAM_HEADER_CHECK = stateKey<(ctx: CallContext) => void>('mcplex.paramHeaderCheck');
