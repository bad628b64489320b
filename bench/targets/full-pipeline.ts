// The middleware the "mcplex-full" target adds to the gateway pipeline: `allMiddleware()` of src/middleware, in
// pipeline order (the target's config also turns on API-key authentication at the edge; see targets.ts).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Middleware } from '../../src/index.js';

const MIDDLEWARE_INDEX = fileURLToPath(new URL('../../src/middleware/index.ts', import.meta.url));

/** Every middleware of the "full" pipeline, in order. */
export async function fullPipeline(): Promise<Middleware[]> {
  const listed: Middleware[] = [];
  if (!existsSync(MIDDLEWARE_INDEX)) return listed;
  // Hook: src/middleware may export `allMiddleware` (an array, or a function returning one) for benchmarks.
  const mod = (await import(pathToFileURL(MIDDLEWARE_INDEX).href)) as { allMiddleware?: Middleware[] | (() => Middleware[]) };
  const all = typeof mod.allMiddleware === 'function' ? mod.allMiddleware() : (mod.allMiddleware ?? []);
  return [...listed, ...all];
}
