// Rate limiting: GCRA cells per principal, per tenant and/or per tool, in a RateLimitStore (memory, or Redis so
// replicas share limits). A refusal is RateLimited with a retry-after hint; refused calls are not counted.
import type { CallContext, Middleware } from '../core/index.js';
import type { RateLimitStore, RateRule } from '../core/rate-limit-store.js';
import { MemoryRateLimitStore } from '../stores/memory/rate-limit.js';
import { addressKey } from './address-key.js';
import { askedBy, itemMatcher, type OwnerOf } from './policy-target.js';
import { rateLimited } from './rate-limited.js';
import { storeCall } from './tracing.js';

export type RateKeyPart = 'principal' | 'tenant' | 'tool' | 'client';

export interface RateLimitRule extends RateRule {
  /**
   * What one cell counts: [] is one limit for everyone; ['principal'], ['tenant'], ['tool'], ['principal', 'tool'], …;
   * ['client']: per client address (HTTP; an IPv6 address by its /64; stdio callers are one client).
   */
  per: readonly RateKeyPart[];
  /** Only requests for items matching one of these patterns count (default: all). */
  match?: string | readonly string[];
  /** Methods that count; default tools/call, resources/read, prompts/get, completion/complete. ['*'] counts every request. */
  methods?: readonly string[];
}

export interface RateLimitOptions {
  rules: readonly RateLimitRule[];
  /** Default: an in-process store. */
  store?: RateLimitStore;
  ownerOf?: OwnerOf;
}

export const CHARGED_METHODS: readonly string[] = ['tools/call', 'resources/read', 'prompts/get', 'completion/complete'];

/**
 * The cell's key. Principal cells always include the tenant, so two tenants' principals of the same id never
 * share a limit; a bare ['tool'] cell is one limit across tenants (it protects the tool, not a caller).
 */
function keyOf(index: number, per: readonly RateKeyPart[], ctx: CallContext): string {
  const parts = [`rl${index}`];
  const e = encodeURIComponent;
  if (per.includes('tenant') || per.includes('principal')) parts.push(`t=${e(ctx.principal.tenant ?? '')}`);
  if (per.includes('principal')) parts.push(`p=${e(ctx.principal.id)}`);
  if (per.includes('tool')) parts.push(`i=${e(ctx.target ?? '')}`);
  if (per.includes('client')) parts.push(`a=${e(addressKey(ctx.http?.remoteAddress ?? 'local'))}`);
  return parts.join(':');
}

function describe(per: readonly RateKeyPart[]): string {
  return per.length === 0 ? 'for everyone' : `per ${per.join(' and ')}`;
}

export function rateLimit(opts: RateLimitOptions): Middleware {
  const store = opts.store ?? new MemoryRateLimitStore();
  const rules = opts.rules.map((rule, index) => {
    if (!(rule.limit > 0) || !(rule.windowMs > 0)) throw new Error(`rate limit rule ${index}: limit and windowMs must be positive`);
    const patterns = rule.match === undefined ? undefined : (typeof rule.match === 'string' ? [rule.match] : rule.match).map((p) => itemMatcher(p, opts.ownerOf));
    const methods = new Set(rule.methods ?? CHARGED_METHODS);
    return { rule, index, patterns, counts: (m: string) => methods.has('*') || methods.has(m) };
  });
  return async (ctx, next) => {
    for (const { rule, index, patterns, counts } of rules) {
      if (!counts(ctx.method)) continue;
      if (patterns) {
        const asked = askedBy(ctx);
        if (!asked || !patterns.some((m) => m(asked))) continue;
      }
      const key = keyOf(index, rule.per, ctx);
      const d = await storeCall(ctx, store, 'rate limit', () => store.hit(key, rule));
      if (!d.allowed) throw rateLimited(`Rate limit exceeded: ${rule.limit} requests per ${rule.windowMs} ms ${describe(rule.per)}`, d.retryAfterMs, 'rate');
    }
    return next();
  };
}
