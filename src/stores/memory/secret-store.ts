// SecretStore in this process: what a gateway holds when told not to keep grants (they go with the process), and
// the contract's reference.
import { randomUUID } from 'node:crypto';
import type { SecretStore } from '../../core/secret-store.js';

export class MemorySecretStore implements SecretStore {
  readonly #entries = new Map<string, { value: string; until: number }>();

  async get(key: string): Promise<string | undefined> {
    const entry = this.#entries.get(key);
    if (entry && entry.until <= Date.now()) this.#entries.delete(key);
    return entry && entry.until > Date.now() ? entry.value : undefined;
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    this.#entries.set(key, { value, until: ttlMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + ttlMs });
  }

  async claim(key: string, ttlMs: number): Promise<string | undefined> {
    // Checked and set in one turn: two claims made at once cannot both find the key free.
    const held = this.#entries.get(key);
    if (held && held.until > Date.now()) return undefined;
    const token = randomUUID();
    this.#entries.set(key, { value: token, until: Date.now() + ttlMs });
    return token;
  }

  async release(key: string, token: string): Promise<void> {
    if (this.#entries.get(key)?.value === token) this.#entries.delete(key);
  }

  async keys(prefix: string): Promise<string[]> {
    const now = Date.now();
    return [...this.#entries].filter(([k, e]) => e.until > now && k.startsWith(prefix)).map(([k]) => k);
  }

  async delete(key: string): Promise<void> {
    this.#entries.delete(key);
  }

  async close(): Promise<void> {
    this.#entries.clear();
  }
}
