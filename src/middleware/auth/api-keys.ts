// API keys: high-entropy random keys with a recognisable prefix, stored in config only as their SHA-256, each
// mapped to a principal. `mcplex keys new` makes them; lookup is by hash, confirmed with a constant-time compare.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { type Principal, sha256 } from '../../core/index.js';

/** Every key starts with this, so a leaked key is recognisable (secret scanners) and a bearer token is routable. */
export const API_KEY_PREFIX = 'mcplex_';
/** How a hash is written in config: `sha256:<64 hex>`. */
export const HASH_PATTERN = /^sha256:[0-9a-f]{64}$/;

export interface ApiKeyPrincipal {
  id: string;
  tenant?: string;
  scopes?: string[];
  roles?: string[];
}

/** A fresh key (32 random bytes, base64url) and the hash to put in config. */
export function newApiKey(): { key: string; hash: string } {
  const key = `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { key, hash: hashApiKey(key) };
}

export function hashApiKey(key: string): string {
  return `sha256:${sha256(key)}`;
}

/**
 * Verifies keys against configured hashes. The keys carry 256 bits of entropy, so one unsalted SHA-256 is
 * enough (no password stretching needed) and a map lookup by hash leaks nothing an attacker can use; the final
 * compare is constant-time anyway.
 */
export class ApiKeys {
  readonly #byHash = new Map<string, { digest: Buffer; principal: Principal }>();

  constructor(keys: Record<string, ApiKeyPrincipal>) {
    for (const [hash, p] of Object.entries(keys)) {
      if (!HASH_PATTERN.test(hash)) throw new Error(`API key hashes must look like sha256:<64 hex digits> (got an entry for '${p.id}')`);
      const principal: Principal = Object.freeze({
        id: p.id,
        kind: 'apiKey',
        ...(p.tenant !== undefined && { tenant: p.tenant }),
        scopes: Object.freeze([...(p.scopes ?? [])]),
        ...(p.roles && { roles: Object.freeze([...p.roles]) }),
        claims: Object.freeze({}),
      });
      this.#byHash.set(hash, { digest: Buffer.from(hash.slice(7), 'hex'), principal });
    }
  }

  get size(): number {
    return this.#byHash.size;
  }

  /** The principal the key belongs to, or undefined for an unknown key. */
  verify(key: string): Principal | undefined {
    const hash = hashApiKey(key);
    const entry = this.#byHash.get(hash);
    if (!entry) return undefined;
    return timingSafeEqual(entry.digest, Buffer.from(hash.slice(7), 'hex')) ? entry.principal : undefined;
  }
}
