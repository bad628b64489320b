// How the cache and dedup middleware name a request: method, target, partition (whose result it is) and the
// canonical JSON of its params, so `{a:1,b:2}` and `{b:2,a:1}` share an entry and two principals never do.
import { canonicalJson } from '../core/canonical-json.js';
import { sha256 } from '../core/sha256.js';
import type { CallContext } from '../core/context.js';
import type { Principal } from '../core/principal.js';

/** Who may see an entry: each principal alone, or everyone of the principal's tenant. */
export type PartitionMode = 'principal' | 'tenant';

/** The partition of entries a server marked `cacheScope: 'public'`: shared by every caller. */
export const PUBLIC_PARTITION = 'public';

/** Every result-cache key starts with this, so clearing the cache leaves what else shares its store (fallbacks). */
export const CACHE_KEY_PREFIX = 'cache:';


/**
 * The partition a principal's entries live in. The kind is part of it (an API key and a JWT subject may share an
 * id); a principal without a tenant gets its own partition under 'tenant' rather than a shared one.
 */
export function partitionOf(principal: Principal, mode: PartitionMode): string {
  if (mode === 'tenant' && principal.tenant !== undefined) return `t:${JSON.stringify(principal.tenant)}`;
  // Principals are immutable and usually shared by a connection's requests: compute each one's partition once.
  let partition = byPrincipal.get(principal);
  if (partition === undefined) {
    partition = `p:${JSON.stringify([principal.kind, principal.tenant ?? null, principal.id])}`;
    byPrincipal.set(principal, partition);
  }
  return partition;
}
const byPrincipal = new WeakMap<Principal, string>();

/** Long argument texts are hashed, so keys stay small in memory and in Redis. */
const HASH_ABOVE = 256;

/** `_meta` (progress tokens, trace context) never changes what a request asks for, so it is not part of the key. */
export function requestKey(ctx: CallContext, partition: string): string {
  const { _meta: _drop, ...params } = (ctx.params ?? {}) as Record<string, unknown>;
  let args = canonicalJson(params);
  if (args.length > HASH_ABOVE) args = `#${sha256(args, 'base64url')}`;
  return `${ctx.method}\n${ctx.target ?? ''}\n${partition}\n${args}`;
}
