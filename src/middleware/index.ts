// Public surface of the middleware layer: one concern per file, each a factory returning a `Middleware`.
import type { Middleware } from '../core/index.js';
import { access } from './access.js';
import { rateLimit } from './rate-limit.js';

export { access, type AccessOptions, type AccessPolicy, type ArgumentRule, type Capability, type Constraints } from './access.js';
export { quota, type QuotaOptions, type TenantQuota } from './quota.js';
export { CHARGED_METHODS, rateLimit, type RateKeyPart, type RateLimitOptions, type RateLimitRule } from './rate-limit.js';
export { rateLimited, type RetryHint } from './rate-limited.js';
export { type InsufficientScope, checkScopes, requiredScopes, type ScopeRule } from './scopes.js';
export type { Action as PolicyAction, Item as PolicyItem, ItemKind as PolicyItemKind, OwnerOf } from './policy-target.js';

/**
 * Every middleware the bench's "mcplex-full" target runs, in pipeline order, configured as a production
 * gateway would run them. Each middleware that lands adds itself here (bench/targets/full-pipeline.ts reads it).
 */
export function allMiddleware(): Middleware[] {
  return [
    // Access control as production runs it (a role map, a capability match per request and per listed item),
    // granting everything so the bench is never refused; a rate limit per principal far above the bench's rate.
    access({ everyone: [{ resource: '*', actions: ['*'] }] }),
    rateLimit({ rules: [{ per: ['principal'], limit: 1_000_000, windowMs: 1_000 }] }),
  ];
}
