// SecretStore in one JSON file, readable by its owner only (0600), as `gh` and `gcloud` keep their tokens: the
// gateway's OAuth grants survive a restart. Changes are rare (a grant made or refreshed), reads rarer still (the
// grants cache access tokens). Several processes may share the file (CLI commands run side by side, a gateway and
// the CLI): a read sees what another wrote since (the file is read again when it changed), and a change is made
// under a lock file on what the file holds then, so none is lost; each write is a temporary file renamed over the
// store, so a crash leaves the old or the new one. Replicas on several machines share the Redis store instead.
import { randomUUID } from 'node:crypto';
import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, type Stats, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SecretStore } from '../../core/secret-store.js';

interface Entry {
  value: string;
  /** Epoch ms after which the entry is gone; absent: kept. */
  until?: number;
}

/** How long a change waits for another process's lock, and when a lock is taken to be a crashed process's. */
const LOCK_WAIT_MS = 5_000;
const STALE_LOCK_MS = 10_000;

export class FileSecretStore implements SecretStore {
  #entries: Map<string, Entry>;
  /** The file as last read or written here (inode, size, mtime): another process's write changes it. */
  #seen: string | undefined;

  /** Reads `path` (a missing file is an empty store); throws, naming the file, when it is not a store's JSON. */
  constructor(readonly path: string) {
    this.#seen = version(path);
    this.#entries = read(path);
  }

  async get(key: string): Promise<string | undefined> {
    this.#fresh();
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (live(entry)) return entry.value;
    await this.#change((entries) => entries.delete(key));
    return undefined;
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    await this.#change((entries) => entries.set(key, ttlMs === undefined ? { value } : { value, until: Date.now() + ttlMs }));
  }

  async delete(key: string): Promise<void> {
    await this.#change((entries) => entries.delete(key));
  }

  async claim(key: string, ttlMs: number): Promise<string | undefined> {
    let claimed: string | undefined;
    await this.#change((entries) => {
      const held = entries.get(key);
      if (held && live(held)) return;
      claimed = randomUUID();
      entries.set(key, { value: claimed, until: Date.now() + ttlMs });
    });
    return claimed;
  }

  async release(key: string, token: string): Promise<void> {
    await this.#change((entries) => entries.get(key)?.value === token && entries.delete(key));
  }

  async close(): Promise<void> {}

  /** The keys the file holds now that start with `prefix` (not their values). */
  async keys(prefix = ''): Promise<string[]> {
    this.#fresh();
    return [...this.#entries].filter(([k, e]) => live(e) && k.startsWith(prefix)).map(([k]) => k);
  }

  /** What the file holds now, when another process wrote it since this one last looked. */
  #fresh(): void {
    const now = version(this.path);
    if (now === this.#seen) return;
    this.#entries = read(this.path);
    this.#seen = now;
  }

  /** `apply` made to what the file holds now, under the lock, and written. */
  async #change(apply: (entries: Map<string, Entry>) => unknown): Promise<void> {
    const release = await lock(`${this.path}.lock`);
    try {
      this.#fresh();
      apply(this.#entries);
      const kept = Object.fromEntries([...this.#entries].filter(([, e]) => live(e)));
      const temp = `${this.path}.${process.pid}.tmp`;
      writeFileSync(temp, `${JSON.stringify({ version: 1, entries: kept }, null, 2)}\n`, { mode: 0o600 });
      chmodSync(temp, 0o600);
      renameSync(temp, this.path);
      this.#seen = version(this.path);
    } finally {
      release();
    }
  }
}

const live = (e: Entry) => e.until === undefined || e.until > Date.now();

/** The file's identity and state as a string (undefined when there is none). */
function version(path: string): string | undefined {
  const s = statSync(path, { throwIfNoEntry: false, bigint: true });
  return s && `${s.ino}:${s.size}:${s.mtimeNs}`;
}

/** Takes `path` as a lock file (made exclusively); resolves to what releases it. A crashed holder's lock is taken over (once). */
async function lock(path: string): Promise<() => void> {
  mkdirSync(dirname(path), { recursive: true });
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (let wait = 2; ; wait = Math.min(wait * 2, 50)) {
    try {
      closeSync(openSync(path, 'wx', 0o600));
      return () => rmSync(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const held = statSync(path, { throwIfNoEntry: false });
    if (held && Date.now() - held.mtimeMs > STALE_LOCK_MS) {
      takeOverStale(path, held);
      continue;
    }
    if (Date.now() > deadline) throw new Error(`${path} is held by another process (remove it if none is running)`);
    await sleep(wait);
  }
}

/**
 * Removes the lock file at `path` if it is still the stale one `seen` (not one another process made since), under a
 * guard file only one process holds at a time: two processes that found the same stale lock cannot both remove it,
 * the second one the lock the first has just taken. A guard left by a crashed process is removed once stale.
 */
export function takeOverStale(path: string, seen: Stats): void {
  const guard = `${path}.takeover`;
  try {
    closeSync(openSync(guard, 'wx', 0o600));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const left = statSync(guard, { throwIfNoEntry: false });
    if (left && Date.now() - left.mtimeMs > STALE_LOCK_MS) rmSync(guard, { force: true });
    return;
  }
  try {
    const now = statSync(path, { throwIfNoEntry: false });
    if (now && now.ino === seen.ino && now.mtimeMs === seen.mtimeMs) rmSync(path, { force: true });
  } finally {
    rmSync(guard, { force: true });
  }
}

function read(path: string): Map<string, Entry> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw new Error(`Cannot read ${path}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${path} is not JSON: fix or remove it (the gateway's upstream authorizations are asked for again)`);
  }
  const entries = (parsed as { entries?: unknown } | null)?.entries;
  if (entries === null || typeof entries !== 'object' || Array.isArray(entries)) {
    throw new Error(`${path} has no "entries" object: fix or remove it (the gateway's upstream authorizations are asked for again)`);
  }
  return new Map(Object.entries(entries as Record<string, Entry>));
}
