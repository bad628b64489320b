// What a reference server holds beyond its connections (database pools, file watchers), released when the
// process that embeds it (the gateway's built-in mounting, the standalone CLI) is done with that instance.
import type { McplexServer } from '../server/index.js';

const disposers = new WeakMap<McplexServer, Array<() => unknown>>();

export function onDispose(server: McplexServer, fn: () => unknown): void {
  disposers.set(server, [...(disposers.get(server) ?? []), fn]);
}

/** Runs the server's disposers once, in reverse order of registration; failures are ignored (best effort). */
export async function disposeServer(server: McplexServer): Promise<void> {
  const fns = disposers.get(server) ?? [];
  disposers.delete(server);
  for (const fn of fns.reverse()) await Promise.resolve().then(fn).catch(() => {});
}
