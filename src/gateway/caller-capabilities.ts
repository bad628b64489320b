// The client capabilities a caller declared, cut down to what the gateway can relay, and the check that refuses an
// upstream's request for input the calling client never said it could give (-32021 on 2026, a clear error on 2025).
import { type ClientCapabilities, ProtocolErrorCode } from '@modelcontextprotocol/server';
import type { Json } from '../client/upstream.js';
import { type CallContext, ErrorCode, WireError } from '../core/index.js';
import { INVOCATION } from '../server/index.js';

/**
 * What the gateway can relay to its callers, so what it declares to 2025-era upstreams at connect: elicitation and
 * sampling go to the caller whose call caused them (refused when that caller did not declare them), roots/list is
 * answered by the caller or from the config. Roots changes are never relayed upstream, so no `roots.listChanged`.
 */
export const RELAYABLE: ClientCapabilities = { elicitation: { form: {}, url: {} }, sampling: {}, roots: {} };

/** The capability an upstream's server→client request needs, by method. */
const NEEDS: Record<string, 'elicitation' | 'sampling' | 'roots'> = {
  'elicitation/create': 'elicitation',
  'sampling/createMessage': 'sampling',
  'roots/list': 'roots',
};

/** The capabilities the calling client declared (per request on 2026, at initialize on a 2025-era connection). */
export function declaredBy(ctx: CallContext): ClientCapabilities {
  return ctx.state.get(INVOCATION)?.input.clientCapabilities ?? {};
}

/** The caller's capabilities as far as the gateway can carry them: each relayable one, with only the sub-keys both have. */
export function relayable(caps: ClientCapabilities): ClientCapabilities {
  const out: Json = {};
  for (const [key, ours] of Object.entries(RELAYABLE) as [string, Json][]) {
    const theirs = (caps as Json)[key] as Json | undefined;
    if (theirs === undefined || theirs === null || typeof theirs !== 'object') continue;
    // Elicitation with no mode declared means form mode (2025-06-18 clients).
    const keys = key === 'elicitation' && Object.keys(theirs).length === 0 ? ['form'] : Object.keys(theirs).filter((k) => k in ours);
    out[key] = Object.fromEntries(keys.map((k) => [k, theirs[k] ?? {}]));
  }
  return out as ClientCapabilities;
}

/** Whether `method` is one a 2026-era caller can be asked in an `input_required` round (elicitation, sampling, roots). */
export const isInputRequest = (method: string): boolean => method in NEEDS;

/** Whether `caps` allow a server→client request (an elicitation's mode included). */
export function allows(caps: ClientCapabilities, method: string, params: Json | undefined): boolean {
  const need = NEEDS[method];
  if (!need) return true;
  const have = (caps as Json)[need] as Json | undefined;
  if (!have || typeof have !== 'object') return false;
  if (need !== 'elicitation') return true;
  const mode = params?.mode === 'url' ? 'url' : 'form';
  return mode in have || (mode === 'form' && Object.keys(have).length === 0);
}

/** The spec's refusal of an input request the caller cannot answer; `modern` picks -32021, else method-not-found. */
export function missingCapability(method: string, params: Json | undefined, modern: boolean): WireError {
  const need = NEEDS[method] ?? method;
  const sub = need === 'elicitation' ? { [params?.mode === 'url' ? 'url' : 'form']: {} } : {};
  const message = `${method} refused: the calling client did not declare the ${need} capability${need === 'elicitation' ? ` (${Object.keys(sub)[0]} mode)` : ''}`;
  return modern
    ? new WireError(ProtocolErrorCode.MissingRequiredClientCapability, message, { requiredCapabilities: { [need]: sub } })
    : new WireError(ErrorCode.MethodNotFound, message);
}
