// The gateway's policy stages built from the `policy:` section: access → scopes → tenant quota → rate limit, all
// counting in one store (memory, or Redis shared by replicas), and knowing which upstream serves an item.
import type { Middleware } from '../core/index.js';
import type { RateLimitStore } from '../core/rate-limit-store.js';
import { access } from '../middleware/access.js';
import type { OwnerOf } from '../middleware/policy-target.js';
import { quota } from '../middleware/quota.js';
import { rateLimit } from '../middleware/rate-limit.js';
import { requiredScopes, type ScopeRule } from '../middleware/scopes.js';
import { MemoryRateLimitStore } from '../stores/memory/rate-limit.js';
import { RedisRateLimitStore } from '../stores/redis/rate-limit.js';
import type { Catalog } from './catalog.js';
import type { PolicyConfig } from './config/index.js';

export interface PolicyStages {
  access?: Middleware;
  scopes?: Middleware;
  quota?: Middleware;
  rateLimit?: Middleware;
  /** Releases the store (the Redis connection). */
  close(): Promise<void>;
}

/** The upstream (server name) that serves an item, from the merged catalog. */
export function catalogOwner(catalog: Catalog): OwnerOf {
  return (item) => {
    if (item.kind === 'tool') return catalog.tool(item.name)?.upstream.name;
    if (item.kind === 'prompt') return catalog.prompt(item.name)?.upstream.name;
    return (catalog.resourceOwner(item.name) ?? catalog.templateOwner(item.name))?.name;
  };
}

function storeFor(config: PolicyConfig['store']): RateLimitStore {
  if (config.kind === 'redis') return new RedisRateLimitStore({ url: config.url, ...(config.prefix !== undefined && { prefix: config.prefix }) });
  return new MemoryRateLimitStore();
}

export function policyStages(policy: PolicyConfig | undefined, catalog: Catalog): PolicyStages {
  if (!policy) return { close: async () => {} };
  const store = storeFor(policy.store);
  const ownerOf = catalogOwner(catalog);
  const scopeRules: ScopeRule[] = [
    ...Object.entries(policy.scopes.servers).map(([server, s]) => ({ resource: `server:${server}`, scopes: s })),
    ...Object.entries(policy.scopes.tools).map(([tool, s]) => ({ resource: `tool:${tool}`, scopes: s })),
  ];
  const tenanted = Object.keys(policy.tenants).length > 0 || policy.defaultTenant !== undefined;
  return {
    ...(policy.access && { access: access(policy.access, { store, ownerOf }) }),
    ...(scopeRules.length > 0 && { scopes: requiredScopes(scopeRules, { ownerOf }) }),
    ...(tenanted && { quota: quota({ tenants: policy.tenants, ...(policy.defaultTenant && { default: policy.defaultTenant }), store, ownerOf }) }),
    ...(policy.rateLimits.length > 0 && { rateLimit: rateLimit({ rules: policy.rateLimits, store, ownerOf }) }),
    close: () => store.close(),
  };
}
