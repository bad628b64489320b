// Resource subscriptions for `file://` URIs: a subscribed file's directory is watched (a directory watch survives
// the rename of an atomic write), and a change sends `notifications/resources/updated` to subscribers.
import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Middleware } from '../../core/index.js';
import type { McplexServer } from '../../server/index.js';
import type { FsEnv } from './context.js';

const DEBOUNCE_MS = 50;

export class FileWatches {
  /** Directory → (file name → URIs subscribers used for it). */
  readonly #dirs = new Map<string, { watcher: FSWatcher; files: Map<string, Set<string>> }>();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  #count = 0;

  constructor(
    private readonly server: McplexServer,
    private readonly env: FsEnv,
  ) {}

  /** Sees subscriptions in the pipeline (2025-era resources/subscribe, 2026-era listen) and starts watching. */
  readonly middleware: Middleware = async (ctx, next) => {
    // Before next(): a listen's next() settles only when the listen ends. Watching a file nobody ends up hearing
    // about (a refused subscription) costs one bounded watcher, nothing more.
    if (ctx.method === 'resources/subscribe' && ctx.target) await this.watch(ctx.target);
    if (ctx.method === 'subscriptions/listen') {
      const uris = (ctx.params as { notifications?: { resourceSubscriptions?: unknown } } | undefined)?.notifications?.resourceSubscriptions;
      if (Array.isArray(uris)) for (const uri of uris) if (typeof uri === 'string') await this.watch(uri);
    }
    return next();
  };

  /** Tells subscribers a file changed now (the write tools call this; the watcher may add a debounced repeat). */
  changed(file: string): void {
    this.server.resourceUpdated(pathToFileURL(file).href);
  }

  async watch(uri: string): Promise<void> {
    if (!uri.startsWith('file://') || this.#count >= this.env.opts.maxWatched) return;
    let file: string;
    try {
      // Only files inside the configured roots are watched, whatever the URI says.
      file = await this.env.sandbox.resolve(fileURLToPath(uri));
    } catch {
      return;
    }
    const dir = dirname(file);
    let entry = this.#dirs.get(dir);
    if (!entry) {
      let watcher: FSWatcher;
      try {
        watcher = watch(dir, { persistent: false }, (_event, name) => {
          const uris = name === null ? undefined : this.#dirs.get(dir)?.files.get(String(name));
          for (const u of uris ?? []) this.#debounced(u);
        });
      } catch {
        return;
      }
      watcher.on('error', () => this.#unwatch(dir));
      entry = { watcher, files: new Map() };
      this.#dirs.set(dir, entry);
    }
    const uris = entry.files.get(basename(file)) ?? new Set<string>();
    if (!uris.has(uri)) this.#count++;
    uris.add(uri);
    entry.files.set(basename(file), uris);
  }

  #debounced(uri: string): void {
    clearTimeout(this.#timers.get(uri));
    const timer = setTimeout(() => {
      this.#timers.delete(uri);
      this.server.resourceUpdated(uri);
    }, DEBOUNCE_MS);
    timer.unref();
    this.#timers.set(uri, timer);
  }

  #unwatch(dir: string): void {
    const entry = this.#dirs.get(dir);
    if (!entry) return;
    for (const uris of entry.files.values()) this.#count -= uris.size;
    entry.watcher.close();
    this.#dirs.delete(dir);
  }

  close(): void {
    for (const dir of [...this.#dirs.keys()]) this.#unwatch(dir);
    for (const t of this.#timers.values()) clearTimeout(t);
  }
}
