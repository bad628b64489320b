// Per-tenant quotas: calls per window and concurrent calls (in the rate-limit store, so replicas on Redis share
// them), and which upstreams a tenant may reach (others' items are hidden and refused as if absent).
import picomatch from 'picomatch';
import { type CallContext, LATER_OUTCOME, type McpResult, type Middleware } from '../core/index.js';
import type { ConcurrencySlot, RateLimitStore } from '../core/rate-limit-store.js';
import { MemoryRateLimitStore } from '../stores/memory/rate-limit.js';
import { askedBy, type Item, LISTS, notFound, type OwnerOf } from './policy-target.js';
import { CHARGED_METHODS } from './rate-limit.js';
import { rateLimited } from './rate-limited.js';
import { storeCall } from './tracing.js';

export interface TenantQuota {
  /** At most `limit` charged requests (calls, reads, gets, completions) per `windowMs` for the whole tenant. */
  calls?: { limit: number; windowMs: number };
  /**
   * At most this many charged requests in flight at once for the tenant: across replicas when the store shares
   * slots (Redis), else per process.
   */
  concurrent?: number;
  /** Globs of upstream (server) names the tenant may reach; absent means all. Needs `ownerOf` (the gateway). */
  upstreams?: readonly string[];
}

export interface QuotaOptions {
  /** Tenant id → quota. */
  tenants: Record<string, TenantQuota>;
  /** For principals without a tenant, or whose tenant is not listed; absent means no quota. */
  default?: TenantQuota;
  store?: RateLimitStore;
  ownerOf?: OwnerOf;
  /**
   * How long a concurrency slot on a shared store outlives a holder that crashed without giving it back (a live
   * holder renews it while its call runs). Default 60 s.
   */
  concurrencyLeaseMs?: number;
}

/** What a concurrency refusal suggests waiting: calls in flight usually end within about this long. */
const CONCURRENCY_RETRY_MS = 1000;
const CHARGED = new Set(CHARGED_METHODS);
type P = Record<string, unknown>;

export function quota(opts: QuotaOptions): Middleware {
  const store = opts.store ?? new MemoryRateLimitStore();
  const reach = new Map<TenantQuota, (name: string) => boolean>();
  for (const q of [...Object.values(opts.tenants), ...(opts.default ? [opts.default] : [])]) {
    if (q.upstreams) reach.set(q, picomatch([...q.upstreams]));
  }
  const quotaOf = (ctx: CallContext) => (ctx.principal.tenant !== undefined && Object.hasOwn(opts.tenants, ctx.principal.tenant) ? opts.tenants[ctx.principal.tenant] : opts.default);
  /** False for an item served by an upstream the tenant may not reach; items with no known owner pass. */
  const reachable = (q: TenantQuota, item: Item) => {
    const allowed = reach.get(q);
    const owner = allowed && opts.ownerOf?.(item);
    return !allowed || owner === undefined || allowed(owner);
  };

  const leaseMs = opts.concurrencyLeaseMs ?? 60_000;
  // Concurrency slots in the store when it keeps them (shared by replicas on Redis), else in this process.
  const slots: RateLimitStore = store.acquire ? store : new MemoryRateLimitStore();
  const slot = (ctx: CallContext, tenant: string, limit: number): Promise<ConcurrencySlot | undefined> =>
    storeCall(ctx, slots, 'tenant concurrency', () => slots.acquire!(`concurrency:${encodeURIComponent(tenant)}`, limit, leaseMs));

  async function charged(ctx: CallContext, q: TenantQuota, next: () => Promise<McpResult>): Promise<McpResult> {
    const tenant = ctx.principal.tenant ?? '';
    // The concurrency check first: a call it refuses is not counted against the tenant's calls.
    const held = q.concurrent === undefined ? undefined : await slot(ctx, tenant, q.concurrent);
    if (q.concurrent !== undefined && !held) {
      throw rateLimited(`Tenant quota exceeded: at most ${q.concurrent} concurrent calls`, CONCURRENCY_RETRY_MS, 'concurrency');
    }
    try {
      if (q.calls) {
        const key = `quota:${encodeURIComponent(tenant)}`;
        const d = await storeCall(ctx, store, 'tenant quota', () => store.hit(key, q.calls!));
        if (!d.allowed) throw rateLimited(`Tenant quota exceeded: ${q.calls.limit} calls per ${q.calls.windowMs} ms`, d.retryAfterMs, 'quota');
      }
      return await next();
    } finally {
      // A call that became a task holds its slot until the task's work ends.
      const later = held && ctx.state.get(LATER_OUTCOME);
      if (later) later.outcome.then(() => held!.release(), () => held!.release());
      else held?.release();
    }
  }

  return async (ctx, next) => {
    const q = quotaOf(ctx);
    if (!q) return next();
    const list = LISTS.get(ctx.method);
    if (list) {
      const result = await next();
      const items = result[list.key];
      return Array.isArray(items) ? { ...result, [list.key]: items.filter((i) => reachable(q, list.item(i as P))) } : result;
    }
    if (ctx.method === 'subscriptions/listen') {
      // Narrowed in place, as access control does (see access.ts): unknown and unreachable URIs look the same.
      const filter = (ctx.params as P | undefined)?.notifications as P | undefined;
      const uris = filter?.resourceSubscriptions;
      if (Array.isArray(uris)) filter!.resourceSubscriptions = uris.filter((u) => typeof u !== 'string' || reachable(q, { kind: 'resource', name: u }));
      return next();
    }
    const asked = askedBy(ctx);
    if (asked && !reachable(q, asked)) {
      if (asked.action === 'subscribe') return {};
      throw notFound(asked);
    }
    return CHARGED.has(ctx.method) ? charged(ctx, q, next) : next();
  };
}
