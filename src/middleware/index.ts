// Public surface of the middleware layer: one concern per file, each a factory returning a `Middleware`.
import type { Middleware } from '../core/index.js';
import { circuitBreaker } from './circuit-breaker/index.js';
import { retry } from './retry.js';
import { timeout } from './timeout.js';

export * from './circuit-breaker/index.js';
export * from './degradation.js';
export * from './fallback.js';
export * from './retry.js';
export * from './retry-budget.js';
export * from './target.js';
export * from './timeout.js';

/**
 * Every middleware the bench's "mcplex-full" target runs, in pipeline order, configured as a production
 * gateway would run them. Each middleware that lands adds itself here (bench/targets/full-pipeline.ts reads it).
 */
export function allMiddleware(): Middleware[] {
  return [
    // Resilience: breaker → retry → timeout, with the gateway's defaults (5 failures open; 2 retries; 60 s).
    circuitBreaker(),
    retry(),
    timeout({ timeoutMs: () => 60_000 }),
  ];
}
