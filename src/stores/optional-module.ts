// Drivers (Redis, PostgreSQL, SQLite, the OpenAPI parser) load on first use, so a process that never uses one
// (every stdio server the CLI runs, a gateway without Redis) does not pay for loading it at start-up.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** `load()` returns the module, required the first time it is called. */
export function optionalModule<T>(name: string): () => T {
  let loaded: T | undefined;
  return () => {
    loaded ??= require(name) as T;
    return loaded;
  };
}
