// Access control: one decision per principal and item hides what it may not use from every list and refuses
// every request for it (call, read, get, completion, 2025 subscribe, 2026 listen) exactly as if it did not exist.
import { type CallContext, ErrorCode, type Middleware, type Principal, WireError } from '../core/index.js';
import type { RateLimitStore } from '../core/rate-limit-store.js';
import { MemoryRateLimitStore } from '../stores/memory/rate-limit.js';
import { type AccessPolicy, type CompiledCapability, compilePolicy } from './access-policy.js';
import { type Asked, askedBy, type ChangeAudience, type Hears, type Item, keptListed, LISTS, narrowListen, notFound, type OwnerOf } from './policy-target.js';
import { rateLimited } from './rate-limited.js';
import { storeCall } from './tracing.js';

export type { AccessPolicy, Capability, Constraints } from './access-policy.js';
export type { ArgumentRule } from './access-constraints.js';

export interface AccessOptions {
  /** Where a capability's `maxCalls` is counted; default an in-process store (use Redis across replicas). */
  store?: RateLimitStore;
  /** Which upstream serves an item, for `server:` patterns (the gateway passes its catalog). */
  ownerOf?: OwnerOf;
  /** Clock in ms (tests of validity windows). */
  now?: () => number;
}

type P = Record<string, unknown>;

/** The capability whose argument constraints these arguments meet, or the first refusal's reason. */
function admitArguments(grants: CompiledCapability[], args: P): CompiledCapability | string {
  let problem = '';
  for (const g of grants) {
    const p = g.argumentProblem(args);
    if (p === undefined) return g;
    problem ||= p;
  }
  return problem;
}

export function access(policy: AccessPolicy, opts: AccessOptions = {}): Middleware & ChangeAudience {
  const compiled = compilePolicy(policy, opts.ownerOf);
  const store = opts.store ?? new MemoryRateLimitStore();
  const now = opts.now ?? Date.now;
  const sees = (ctx: CallContext, item: Item, at: number) => compiled.grants(ctx.principal, { ...item, action: 'list' }, at, ctx.endpoint).length > 0;

  async function admit(ctx: CallContext, asked: Asked): Promise<'hidden' | undefined> {
    const grants = compiled.grants(ctx.principal, asked, now(), ctx.endpoint);
    if (grants.length === 0) return 'hidden';
    let chosen = grants[0]!;
    if (asked.action === 'call' || asked.action === 'get') {
      const args = ((ctx.params as P | undefined)?.arguments ?? {}) as P;
      const admitted = admitArguments(grants, args);
      if (typeof admitted === 'string') throw new WireError(ErrorCode.Forbidden, `Forbidden: ${admitted} (${asked.kind} '${asked.name}')`);
      chosen = admitted;
    }
    const max = chosen.source.constraints?.maxCalls;
    if (max) {
      const key = `access:${encodeURIComponent(ctx.principal.tenant ?? '')}:${encodeURIComponent(ctx.principal.id)}:${chosen.id}`;
      const rule = { limit: max.limit, windowMs: max.windowMs };
      const d = await storeCall(ctx, store, 'capability max calls', () => store.hit(key, rule));
      if (!d.allowed) throw rateLimited(`Too many calls: your access to ${asked.kind} '${asked.name}' allows ${max.limit} per ${max.windowMs} ms`, d.retryAfterMs, 'capability');
    }
    return undefined;
  }

  const middleware: Middleware = async (ctx, next) => {
    const list = LISTS.get(ctx.method);
    if (list) {
      const at = now();
      return keptListed(next, list, (item) => sees(ctx, item, at));
    }
    if (ctx.method === 'subscriptions/listen') {
      const at = now();
      narrowListen(ctx, (uri) => compiled.grants(ctx.principal, { kind: 'resource', name: uri, action: 'subscribe' }, at, ctx.endpoint).length > 0);
      return next();
    }
    const asked = askedBy(ctx);
    if (!asked) return next();
    if ((await admit(ctx, asked)) === 'hidden') {
      // Subscribing to a URI nobody serves succeeds (and nothing ever arrives); so does subscribing to a hidden one.
      if (asked.action === 'subscribe') return {};
      throw notFound(asked);
    }
    return next();
  };

  /**
   * A principal hears that `items` changed when it may list one of them on its endpoint; many connections share a
   * principal and an endpoint: asked once for each pair.
   */
  const hearsOf = (items: readonly Item[]): Hears => {
    const at = now();
    const answered = new Map<Principal, Map<string | undefined, boolean>>();
    return (principal, endpoint) => {
      let mine = answered.get(principal);
      if (!mine) {
        mine = new Map();
        answered.set(principal, mine);
      }
      let hears = mine.get(endpoint);
      if (hears === undefined) {
        hears = items.some((item) => compiled.grants(principal, { ...item, action: 'list' }, at, endpoint).length > 0);
        mine.set(endpoint, hears);
      }
      return hears;
    };
  };
  return Object.assign(middleware, { hearsOf });
}
