// Secrets sealed at rest: a SecretStore in front of another (file, Redis) that encrypts every value it writes with
// AES-256-GCM under a key derived from the operator's secret (HKDF-SHA256), bound to the key it is stored under (a
// sealed grant copied under another principal's key does not open). Older secrets can still open what they sealed
// (rotation); a value that does not open with any of them, or that is not sealed at all, reads as absent (the grant
// is asked for again) and is named once in the log, never its content.
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import type { Logger } from '../core/logger.js';
import type { SecretStore } from '../core/secret-store.js';

/** The shortest secret the store is given to seal with (the config and the CLI refuse shorter ones). */
export const MIN_SECRET_LENGTH = 32;
const PREFIX = 'mcplex.sealed.v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const ID_BYTES = 4;

interface SealingKey {
  key: Buffer;
  /** A few bytes naming the key in each value, so a value sealed under a key not configured is told apart. */
  id: Buffer;
}

function sealingKey(secret: string): SealingKey {
  const key = Buffer.from(hkdfSync('sha256', secret, 'mcplex secret store', 'aes-256-gcm v1', 32));
  return { key, id: createHash('sha256').update(key).digest().subarray(0, ID_BYTES) };
}

export class SealedSecretStore implements SecretStore {
  readonly #seal: SealingKey;
  readonly #open: SealingKey[];
  /** Keys already named in the log as not opening (each once). */
  readonly #reported = new Set<string>();

  /** `secret` seals what is written; it and `previous` open what is read. */
  constructor(
    private readonly inner: SecretStore,
    secret: string,
    previous: readonly string[] = [],
    private readonly log?: Logger,
  ) {
    this.#seal = sealingKey(secret);
    this.#open = [this.#seal, ...previous.map(sealingKey)];
  }

  async get(key: string): Promise<string | undefined> {
    const value = await this.inner.get(key);
    if (value === undefined) return undefined;
    const opened = this.#opened(key, value);
    if (opened === undefined) this.#report(key, value.startsWith(PREFIX) ? 'it was sealed with a key that is not configured (or altered)' : 'it is not sealed');
    return opened;
  }

  set(key: string, value: string, ttlMs?: number): Promise<void> {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#seal.key, iv).setAAD(Buffer.from(key));
    const sealed = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    const packed = Buffer.concat([this.#seal.id, iv, cipher.getAuthTag(), sealed]).toString('base64url');
    return this.inner.set(key, PREFIX + packed, ttlMs);
  }

  /** A claim holds no secret: it is made on the store behind, as it is. */
  claim(key: string, ttlMs: number): Promise<string | undefined> {
    return this.inner.claim(key, ttlMs);
  }

  release(key: string, token: string): Promise<void> {
    return this.inner.release(key, token);
  }

  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }

  /** Keys are not sealed (the values are, bound to them). */
  keys(prefix: string): Promise<string[]> {
    return this.inner.keys(prefix);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  #opened(key: string, value: string): string | undefined {
    if (!value.startsWith(PREFIX)) return undefined;
    const packed = Buffer.from(value.slice(PREFIX.length), 'base64url');
    if (packed.length < ID_BYTES + IV_BYTES + TAG_BYTES) return undefined;
    const id = packed.subarray(0, ID_BYTES);
    const sealer = this.#open.find((k) => k.id.equals(id));
    if (!sealer) return undefined;
    const iv = packed.subarray(ID_BYTES, ID_BYTES + IV_BYTES);
    const tag = packed.subarray(ID_BYTES + IV_BYTES, ID_BYTES + IV_BYTES + TAG_BYTES);
    try {
      const decipher = createDecipheriv('aes-256-gcm', sealer.key, iv).setAAD(Buffer.from(key)).setAuthTag(tag);
      return Buffer.concat([decipher.update(packed.subarray(ID_BYTES + IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }

  #report(key: string, why: string): void {
    if (this.#reported.has(key)) return;
    this.#reported.add(key);
    this.log?.warn({ key }, `a stored secret was ignored: ${why}; what it held is asked for again (set the key it was sealed with in previousEncryptionKeys to keep it)`);
  }
}
