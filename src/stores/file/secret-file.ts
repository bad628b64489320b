// SecretStore in one JSON file, readable by its owner only (0600), as `gh` and `gcloud` keep their tokens: the
// gateway's OAuth grants survive a restart. The file is read at open and written whole on every change (a temporary
// file renamed over it, so a crash leaves the old or the new one); changes are rare (a grant made or refreshed).
// One process at a time: replicas share the Redis store instead.
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SecretStore } from '../../core/secret-store.js';

interface Entry {
  value: string;
  /** Epoch ms after which the entry is gone; absent: kept. */
  until?: number;
}

export class FileSecretStore implements SecretStore {
  readonly #entries: Map<string, Entry>;

  /** Reads `path` (a missing file is an empty store); throws, naming the file, when it is not a store's JSON. */
  constructor(readonly path: string) {
    this.#entries = new Map(Object.entries(read(path)));
  }

  async get(key: string): Promise<string | undefined> {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.until === undefined || entry.until > Date.now()) return entry.value;
    this.#entries.delete(key);
    this.#write();
    return undefined;
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    this.#entries.set(key, ttlMs === undefined ? { value } : { value, until: Date.now() + ttlMs });
    this.#write();
  }

  async delete(key: string): Promise<void> {
    if (this.#entries.delete(key)) this.#write();
  }

  async close(): Promise<void> {}

  #write(): void {
    const now = Date.now();
    const kept = Object.fromEntries([...this.#entries].filter(([, e]) => e.until === undefined || e.until > now));
    mkdirSync(dirname(this.path), { recursive: true });
    const temp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(temp, `${JSON.stringify({ version: 1, entries: kept }, null, 2)}\n`, { mode: 0o600 });
    chmodSync(temp, 0o600);
    renameSync(temp, this.path);
  }
}

function read(path: string): Record<string, Entry> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
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
  return entries as Record<string, Entry>;
}
