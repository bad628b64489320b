// DPoP proofs (RFC 9449 §4.3, §7.1) for tokens bound to a client's key: the `DPoP` header is a JWT signed by the key
// in its own header (`jwk`, public), made for this request (`htm` method, `htu` URL without query), for this token
// (`ath`, its SHA-256), recently (`iat`), and never presented before (`jti`); the token's `cnf.jkt` names that key.
import { createHash } from 'node:crypto';
import { calculateJwkThumbprint, EmbeddedJWK, errors, jwtVerify } from 'jose';
import type { ReplayGuard } from '../../core/replay-guard.js';
import { MemoryReplayGuard } from '../../stores/memory/replay-guard.js';
import type { DpopNonces } from './dpop-nonces.js';
import { type AuthRefusal, refuse } from './types.js';

/** The asymmetric algorithms a proof may be signed with (RFC 9449 §11.6: never symmetric, never `none`). */
export const DPOP_ALGORITHMS = ['ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'EdDSA'] as const;
/** How old a proof may be (its `iat`), and how far ahead of this server's clock. */
const MAX_AGE_SEC = 60;
const SKEW_SEC = 5;

/** What a proof is checked against: the request it came with. */
export interface ProvenRequest {
  method: string;
  /** The URL the client addressed (scheme, host, path), as the proof's `htu` must name it. */
  url: string;
  /** The access token the request presents. */
  token: string;
}

const dpopRefusal = (description: string): { refusal: AuthRefusal } => ({ refusal: { ...refuse(401, `Invalid DPoP proof: ${description}`, 'invalid_dpop_proof').refusal, scheme: 'DPoP' } });

export class DpopProofs {
  /**
   * `replay`: where the `jti`s seen within the window are kept (this process's memory, or shared by replicas);
   * `nonces`: when given, a proof must carry one of them (RFC 9449 §9).
   */
  constructor(
    private readonly replay: ReplayGuard = new MemoryReplayGuard(),
    private readonly nonces?: DpopNonces,
  ) {}

  /**
   * The thumbprint (`jkt`) of the key that made a valid proof for `request` (and, with nonces, the one to use next
   * when the proof's was from the window before), or why the proof is refused (`use_dpop_nonce` with the nonce to use).
   */
  async verify(proof: string | undefined, request: ProvenRequest): Promise<{ jkt: string; nonce?: string } | { refusal: AuthRefusal }> {
    if (proof === undefined) return this.#withNonce(dpopRefusal('send a DPoP header with a proof for this request'));
    let verified: Awaited<ReturnType<typeof jwtVerify>>;
    try {
      verified = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: [...DPOP_ALGORITHMS], maxTokenAge: MAX_AGE_SEC, clockTolerance: SKEW_SEC });
    } catch (err) {
      if (err instanceof errors.JWTExpired || (err instanceof errors.JWTClaimValidationFailed && err.claim === 'iat')) return dpopRefusal('it is too old, or from the future (check the clock)');
      return dpopRefusal('it is not a JWT of type dpop+jwt signed by the public key in its header');
    }
    const { payload, protectedHeader } = verified;
    if (payload.htm !== request.method) return dpopRefusal(`it was made for ${String(payload.htm)}, not ${request.method}`);
    if (typeof payload.htu !== 'string' || !sameUrl(payload.htu, request.url)) return dpopRefusal(`it was made for another URL than ${request.url}`);
    if (payload.ath !== createHash('sha256').update(request.token).digest('base64url')) return dpopRefusal('it was made for another access token (ath)');
    if (typeof payload.jti !== 'string' || payload.jti === '') return dpopRefusal('it has no jti');
    const nonce = this.nonces?.check(payload.nonce);
    if (nonce === 'invalid') {
      const why = payload.nonce === undefined ? 'this server requires a nonce in every proof' : 'its nonce is not one this server handed out lately';
      return { refusal: { status: 401, error: 'use_dpop_nonce', scheme: 'DPoP', description: `DPoP nonce required: ${why}; make the proof again with the nonce in the DPoP-Nonce header`, nonce: this.nonces!.current() } };
    }
    // Keyed by the key that signed it too: one client's `jti` cannot shadow another's.
    const jkt = await calculateJwkThumbprint(protectedHeader.jwk!);
    if (!(await this.replay.first(`dpop:${jkt}:${payload.jti}`, (MAX_AGE_SEC + 2 * SKEW_SEC) * 1000))) return dpopRefusal('it was presented before (make a new proof for each request)');
    return nonce === 'previous' ? { jkt, nonce: this.nonces!.current() } : { jkt };
  }

  /** A refusal that hands out the current nonce too, so the client's next proof carries it. */
  #withNonce(refused: { refusal: AuthRefusal }): { refusal: AuthRefusal } {
    return this.nonces ? { refusal: { ...refused.refusal, nonce: this.nonces.current() } } : refused;
  }
}

/** The proof's `htu` and the request's URL, compared without query and fragment (RFC 9449 §4.3 step 9). */
function sameUrl(htu: string, url: string): boolean {
  if (!URL.canParse(htu)) return false;
  const a = new URL(htu);
  const b = new URL(url);
  return a.protocol === b.protocol && a.host === b.host && a.pathname === b.pathname;
}
