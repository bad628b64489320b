// The gateway's policy stages built from the `policy:` section: access → scopes → tenant quota → rate limit, all
// counting in one store (memory, or Redis shared by replicas), knowing which upstream serves an item, and
// rebuilt on config reload (the store, and so its counters, kept while its settings stay the same).
import { isDeepStrictEqual } from 'node:util';
import type { Logger, Middleware } from '../core/index.js';
import type { RateLimitStore } from '../core/rate-limit-store.js';
import { access } from '../middleware/access.js';
import type { ChangeAudience, Hears, Item, OwnerOf } from '../middleware/policy-target.js';
import { quota } from '../middleware/quota.js';
import { rateLimit } from '../middleware/rate-limit.js';
import { requiredScopes, type ScopeRule } from '../middleware/scopes.js';
import { DegradingRateLimitStore } from '../stores/degrading-rate-limit-store.js';
import { MemoryRateLimitStore } from '../stores/memory/rate-limit.js';
import { RedisRateLimitStore } from '../stores/redis/rate-limit.js';
import type { Catalog } from './catalog.js';
import type { PolicyConfig } from './config/index.js';

/** How long a replaced store stays open for requests already past the policy's first stages. */
const RETIRE_AFTER_MS = 30_000;

/** The upstream (server name) that serves an item, from the merged catalog. */
export function catalogOwner(catalog: Catalog): OwnerOf {
  return (item) => {
    if (item.kind === 'tool') return catalog.tool(item.name)?.upstream.name;
    if (item.kind === 'prompt') return catalog.prompt(item.name)?.upstream.name;
    return (catalog.resourceOwner(item.name) ?? catalog.templateOwner(item.name))?.name;
  };
}

/** Counts in Redis shared by replicas, in this process's memory while it is away (one warning per outage). */
export function sharedRateStore(url: string, prefix: string | undefined, log: Logger): RateLimitStore {
  const shared = new RedisRateLimitStore({ url, ...(prefix !== undefined && { prefix }) });
  return new DegradingRateLimitStore(shared, new MemoryRateLimitStore(), log);
}

/** Redis (see sharedRateStore), or memory. */
function storeFor(config: PolicyConfig['store'], log: Logger): RateLimitStore {
  return config.kind === 'redis' ? sharedRateStore(config.url, config.prefix, log) : new MemoryRateLimitStore();
}

/** The stages in pipeline order; absent sections add none. */
function stagesOf(policy: PolicyConfig, store: RateLimitStore, ownerOf: OwnerOf, accessStage: ReturnType<typeof access> | undefined): Middleware[] {
  const scopeRules: ScopeRule[] = [
    ...Object.entries(policy.scopes.servers).map(([server, s]) => ({ resource: `server:${server}`, scopes: s })),
    ...Object.entries(policy.scopes.tools).map(([tool, s]) => ({ resource: `tool:${tool}`, scopes: s })),
  ];
  const tenanted = Object.keys(policy.tenants).length > 0 || policy.defaultTenant !== undefined;
  const stages: Array<Middleware | false | undefined> = [
    accessStage,
    scopeRules.length > 0 && requiredScopes(scopeRules, { ownerOf }),
    tenanted && quota({ tenants: policy.tenants, ...(policy.defaultTenant && { default: policy.defaultTenant }), store, ownerOf }),
    policy.rateLimits.length > 0 && rateLimit({ rules: policy.rateLimits, store, ownerOf }),
  ];
  return stages.filter((m): m is Middleware => typeof m === 'function');
}

function run(stages: Middleware[], i: number, ctx: Parameters<Middleware>[0], next: Parameters<Middleware>[1]): ReturnType<Middleware> {
  return i === stages.length ? next() : stages[i]!(ctx, () => run(stages, i + 1, ctx, next));
}

/** The policy as one pipeline slot whose stages a reload can replace. */
export class LivePolicy {
  readonly #ownerOf: OwnerOf;
  #stages: Middleware[] = [];
  /** The access stage, also asked outside requests (who may hear of a change). */
  #access: ReturnType<typeof access> | undefined;
  #store: RateLimitStore | undefined;
  #storeConfig: PolicyConfig['store'] | undefined;

  constructor(
    policy: PolicyConfig | undefined,
    catalog: Catalog,
    private readonly log: Logger,
  ) {
    this.#ownerOf = catalogOwner(catalog);
    this.update(policy);
  }

  /** The pipeline slot: runs the current stages (access → scopes → quota → rate limit) in order. */
  readonly middleware: Middleware & ChangeAudience = Object.assign(
    (ctx: Parameters<Middleware>[0], next: Parameters<Middleware>[1]) => {
      const stages = this.#stages;
      return stages.length === 0 ? next() : run(stages, 0, ctx, next);
    },
    { hearsOf: (items: readonly Item[]) => this.audience(items) },
  );

  /** Applies a (re)loaded policy section; the store is replaced only when its settings changed. */
  update(policy: PolicyConfig | undefined): void {
    const previous = this.#store;
    if (!policy) {
      this.#stages = [];
      this.#access = undefined;
      this.#store = this.#storeConfig = undefined;
    } else {
      if (!previous || !isDeepStrictEqual(policy.store, this.#storeConfig)) {
        this.#store = storeFor(policy.store, this.log);
        this.#storeConfig = policy.store;
      }
      this.#access = policy.access && access(policy.access, { store: this.#store!, ownerOf: this.#ownerOf });
      this.#stages = stagesOf(policy, this.#store!, this.#ownerOf, this.#access);
    }
    if (previous && previous !== this.#store) setTimeout(() => void previous.close().catch(() => {}), RETIRE_AFTER_MS).unref();
  }

  /** Who may hear that `items` changed (the access stage's answer); undefined without access rules: everyone. */
  audience(items: readonly Item[]): Hears | undefined {
    return this.#access?.hearsOf(items);
  }

  async close(): Promise<void> {
    this.#stages = [];
    await this.#store?.close();
    this.#store = this.#storeConfig = undefined;
  }
}
