// The middleware the "mcplex-full" target adds to the gateway pipeline: `allMiddleware()` (src/middleware/all.ts),
// in pipeline order; the target's config also turns on API-key authentication at the edge (see targets.ts).
import type { Middleware } from '../../src/index.js';
import { allMiddleware, type MiddlewareGroup } from '../../src/middleware/all.js';

/** Every middleware of the "full" pipeline (or of `groups`), in order. */
export async function fullPipeline(groups?: MiddlewareGroup[]): Promise<Middleware[]> {
  return allMiddleware(groups);
}
