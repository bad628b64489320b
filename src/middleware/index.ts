// Public surface of the middleware layer: one concern per file, each a factory returning a `Middleware`.
import type { Middleware } from '../core/index.js';
import { requireAuth } from './auth/index.js';

export * from './auth/index.js';

/**
 * Every middleware the bench's "mcplex-full" target runs, in pipeline order, configured as a production
 * gateway would run them. Each middleware that lands adds itself here (bench/targets/full-pipeline.ts reads it).
 */
export function allMiddleware(): Middleware[] {
  return [
    // The edge authenticates (the bench config has an API key); this refuses anyone who got in anonymously.
    requireAuth(),
  ];
}
