// The contract between the serving edge and authentication: what the edge shows of a request (headers, verified
// client certificate), and what comes back (a principal, or a refusal carrying its HTTP status and challenge).
import type { Principal } from '../../core/index.js';

/** The verified TLS client certificate's identity fields (what the edge read from the socket). */
export interface ClientCertificate {
  /** Subject common name. */
  readonly subjectCN?: string;
  /** Subject alternative names as node prints them: `DNS:a.example, URI:spiffe://…, email:…`. */
  readonly subjectAltNames: readonly string[];
  readonly fingerprint256?: string;
}

/** What authentication sees of one HTTP request. */
export interface AuthRequest {
  /** A header's value, lowercase name; a repeated header reads as undefined (ambiguous, refused). */
  header(name: string): string | undefined;
  /** Present only when TLS verified the certificate against the configured client CA. */
  readonly clientCertificate?: ClientCertificate;
  /** The HTTP method, and the URL the client addressed (its public one, behind a proxy): what a DPoP proof is made for. */
  readonly method?: string;
  readonly url?: string;
}

/** 400: a malformed credential request; 401: no or bad credentials; 403: valid credentials without the scopes needed. */
export interface AuthRefusal {
  readonly status: 400 | 401 | 403;
  /** RFC 6750 error code (RFC 9449's for a DPoP proof); absent when no credentials were sent (the bare challenge). */
  readonly error?: 'invalid_request' | 'invalid_token' | 'insufficient_scope' | 'invalid_dpop_proof' | 'use_dpop_nonce';
  /** The scheme the challenge names: DPoP for a DPoP-bound token (RFC 9449 §7.1); default Bearer. */
  readonly scheme?: 'DPoP';
  /** Safe to show the caller: never quotes the token. */
  readonly description: string;
  /** For insufficient_scope: the scopes that would be enough. */
  readonly scope?: readonly string[];
  /** The DPoP nonce the client is to put in its proofs (sent as `DPoP-Nonce`). */
  readonly nonce?: string;
}

export type AuthOutcome =
  | {
      readonly principal: Principal;
      /** The verified bearer token, for token exchange toward upstreams. */
      readonly token?: string;
      /** A DPoP nonce for the client's next proofs (sent as `DPoP-Nonce` with the answer). */
      readonly nonce?: string;
    }
  | { readonly refusal: AuthRefusal };

/** Turns one request's credentials into a principal. Called by the edge for every HTTP request. */
export interface Authenticator {
  authenticate(req: AuthRequest): Promise<AuthOutcome>;
  /** The `WWW-Authenticate` value for a refusal (Bearer realm, resource_metadata, error, scope). */
  challenge(refusal: AuthRefusal, resourceMetadataUrl?: string): string;
  /** RFC 9728 metadata fields this authenticator contributes (authorization servers, scopes, DPoP). */
  readonly metadata?: {
    readonly authorizationServers?: readonly string[];
    readonly scopesSupported?: readonly string[];
    readonly resource?: string;
    /** The algorithms DPoP proofs may use, when DPoP-bound tokens are accepted; and whether only those are. */
    readonly dpopAlgorithms?: readonly string[];
    readonly dpopRequired?: boolean;
  };
  /** Whether requests without credentials are let in as the anonymous principal. */
  readonly allowsAnonymous: boolean;
  /**
   * Whether the request's credential was verified recently, so checking it again costs nothing (the edge lets it
   * through while its address is over the refused-credential bound). A client certificate is mapped locally: true.
   */
  recentlyVerified?(req: AuthRequest): boolean;
}

export const refuse = (status: 400 | 401 | 403, description: string, error?: AuthRefusal['error'], scope?: readonly string[]): { refusal: AuthRefusal } => ({
  refusal: { status, description, ...(error && { error }), ...(scope && { scope }) },
});
