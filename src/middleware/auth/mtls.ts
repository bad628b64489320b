// Mutual TLS: TLS has already verified the client certificate against the configured CA; this maps its subject
// common name or a subject alternative name to a principal (listed ones get their configured scopes).
import type { Principal } from '../../core/index.js';
import type { ApiKeyPrincipal } from './api-keys.js';
import { type AuthOutcome, type ClientCertificate, refuse } from './types.js';

export interface MtlsOptions {
  /** Which certificate field names the caller: the subject CN (default) or the first SAN of a kind. */
  identity?: 'cn' | 'san-uri' | 'san-dns' | 'san-email';
  /** Certificate name → principal. When given, certificates whose name is not listed are refused. */
  principals?: Record<string, Partial<ApiKeyPrincipal>>;
  /** Scopes of certificates not listed (when `principals` is absent); default none. */
  scopes?: string[];
  tenant?: string;
}

const SAN_PREFIX = { 'san-uri': 'URI:', 'san-dns': 'DNS:', 'san-email': 'email:' } as const;

/** The name a certificate presents, as `identity` chooses it. */
export function certificateName(cert: ClientCertificate, identity: MtlsOptions['identity'] = 'cn'): string | undefined {
  if (identity === 'cn') return cert.subjectCN;
  const prefix = SAN_PREFIX[identity];
  return cert.subjectAltNames.find((n) => n.startsWith(prefix))?.slice(prefix.length);
}

export class MtlsMapper {
  readonly #cache = new Map<string, Principal>();

  constructor(private readonly o: MtlsOptions = {}) {}

  map(cert: ClientCertificate): AuthOutcome {
    const name = certificateName(cert, this.o.identity);
    if (!name) return refuse(401, `Invalid client certificate: it has no ${this.o.identity ?? 'cn'} to identify the caller`);
    const cached = this.#cache.get(name);
    if (cached) return { principal: cached };
    const listed = this.o.principals?.[name];
    if (this.o.principals && !listed) return refuse(403, 'Forbidden: this client certificate is not authorised here');
    const principal: Principal = Object.freeze({
      id: listed?.id ?? name,
      kind: 'mtls',
      ...((listed?.tenant ?? this.o.tenant) !== undefined && { tenant: listed?.tenant ?? this.o.tenant }),
      scopes: Object.freeze([...(listed?.scopes ?? this.o.scopes ?? [])]),
      ...(listed?.roles && { roles: Object.freeze([...listed.roles]) }),
      claims: Object.freeze({ certificate: name, ...(cert.fingerprint256 && { fingerprint256: cert.fingerprint256 }) }),
    });
    if (this.#cache.size < 10_000) this.#cache.set(name, principal);
    return { principal };
  }
}
