// Public surface of the middleware layer: one concern per file, each a factory returning a `Middleware`.
import type { Middleware } from '../core/index.js';

export { IDENTITY_META, type IdentityClaimsOptions, type IdentitySigning, identityClaims, signIdentity } from './identity-claims.js';

/**
 * Every middleware the bench's "mcplex-full" target runs, in pipeline order, configured as a production
 * gateway would run them. Each middleware that lands adds itself here (bench/targets/full-pipeline.ts reads it).
 */
export function allMiddleware(): Middleware[] {
  return [];
}
