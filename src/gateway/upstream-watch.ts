// `servers.<name>.watch`: a stdio server restarted when a file it is made from changes, a development loop behind
// the gateway (edit a tool; the server restarts and callers are told the list changed). Paths and glob patterns
// (picomatch) relative to the directory the server runs in (its `cwd`, else the gateway's), as its `args` are; a
// pattern with `!` before it leaves those files out; nothing under node_modules or .git, nor a dotfile (an editor's
// swap file), counts. Changes within WATCH_DEBOUNCE_MS make one restart. chokidar watches each pattern's base.
import { existsSync } from 'node:fs';
import { isAbsolute, posix, resolve, sep } from 'node:path';
import { type FSWatcher, watch } from 'chokidar';
import picomatch from 'picomatch';
import type { Logger } from '../core/index.js';
import type { ServerConfig } from './config/index.js';

/** Changes this close together (an editor saving several files, a build writing its output) make one restart. */
export const WATCH_DEBOUNCE_MS = 300;
/** How long calls in flight may take to finish before a watched change's restart cuts them off. */
export const WATCH_DRAIN_MS = 2_000;

const NEVER = /(^|\/)(node_modules|\.git)(\/|$)/;

export interface WatchedFiles {
  /** The directory relative patterns start at. */
  dir: string;
  patterns: readonly string[];
}

const slashed = (path: string) => (sep === '/' ? path : path.split(sep).join('/'));

/** What restarts a server: its `watch` patterns, from the directory it runs in; none for a server without. */
export function watchedFilesOf(config: ServerConfig | undefined): WatchedFiles | undefined {
  if (config?.transport !== 'stdio' || !config.watch) return undefined;
  return { dir: resolve(config.cwd ?? '.'), patterns: config.watch };
}

/** A pattern as an absolute one, and the directory chokidar watches for it (its base: the part without a glob). */
function anchored(dir: string, pattern: string): { base: string; matches: (path: string) => boolean } {
  const absolute = slashed(isAbsolute(pattern) ? pattern : resolve(dir, pattern));
  const scan = picomatch.scan(absolute);
  if (!scan.isGlob) return { base: absolute, matches: (path) => path === absolute || path.startsWith(`${absolute}/`) };
  return { base: scan.base || '/', matches: picomatch(absolute) };
}

/**
 * The directories (or files) to watch for `bases`: each base, or its nearest ancestor that exists (a file or
 * directory made later is seen there; chokidar given a path that does not exist misses changes elsewhere), none
 * inside another.
 */
function watchedRoots(bases: string[]): string[] {
  const existing = bases.map((base) => {
    let at = base;
    while (!existsSync(at) && posix.dirname(at) !== at) at = posix.dirname(at);
    return at;
  });
  const inside = (path: string, root: string) => path === root || path.startsWith(root.endsWith('/') ? root : `${root}/`);
  const unique = [...new Set(existing)];
  return unique.filter((path) => !unique.some((other) => other !== path && inside(path, other)));
}

/** The files of one server that restart it: `onChange` gets the last file changed, relative to `dir`. */
export class FileWatch {
  readonly #watcher: FSWatcher;
  #timer: NodeJS.Timeout | undefined;
  /** Resolves once the first scan is done: changes from then on are seen. `debounceMs` 0: each change reported. */
  readonly ready: Promise<void>;

  constructor(
    readonly files: WatchedFiles,
    onChange: (file: string) => void,
    log: Logger,
    debounceMs = WATCH_DEBOUNCE_MS,
  ) {
    const dir = slashed(resolve(files.dir));
    const included = files.patterns.filter((p) => !p.startsWith('!'));
    const include = included.map((p) => anchored(dir, p));
    // A typo in a path would otherwise go unseen: the watch waits for it quietly.
    const missing = included.filter((_, i) => !existsSync(include[i]!.base));
    if (missing.length > 0) log.warn({ watch: missing, dir }, 'watched paths that do not exist (yet): a file made there later restarts the server');
    const exclude = files.patterns.filter((p) => p.startsWith('!')).map((p) => anchored(dir, p.slice(1)));
    const wanted = (path: string) => !NEVER.test(path) && include.some((i) => i.matches(path)) && !exclude.some((e) => e.matches(path)) && !posix.basename(path).startsWith('.');
    this.#watcher = watch(watchedRoots(include.map((i) => i.base)), {
      ignoreInitial: true,
      // Directories are walked (but not node_modules or .git); files only when a pattern wants them.
      ignored: (path, stats) => NEVER.test(slashed(path)) || (stats?.isFile() === true && !wanted(slashed(path))),
    });
    this.ready = new Promise((ready) => this.#watcher.once('ready', ready));
    this.#watcher.on('all', (event, path) => {
      const file = slashed(path);
      if ((event !== 'add' && event !== 'change' && event !== 'unlink') || !wanted(file)) return;
      const report = () => onChange(file.startsWith(`${dir}/`) ? file.slice(dir.length + 1) : file);
      if (debounceMs <= 0) return report();
      clearTimeout(this.#timer);
      this.#timer = setTimeout(report, debounceMs);
    });
    this.#watcher.on('error', (err) => log.warn({ err, watch: files.patterns }, 'watching files failed'));
  }

  close(): Promise<void> {
    clearTimeout(this.#timer);
    return this.#watcher.close();
  }
}
