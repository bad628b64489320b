// What the gateway's OAuth client toward one upstream is configured with (`servers.<name>.oauth`, and the CLI's
// `mcplex oauth`), what it reports of its refreshes, and a grant's access token as a replica holds it in memory.
export interface OAuthClientSettings {
  /**
   * Where the authorization server sends the browser back (the gateway's callback route; known once it serves).
   * Undefined: no authorization can start now (a CLI command before its callback listens): a grant is still
   * refreshed, and one that cannot be is answered with "needs authorization" instead of starting one.
   */
  redirectUrl: () => string | undefined;
  clientId?: string;
  clientSecret?: string;
  /** The authorization server `clientId` belongs to: its credentials go nowhere else (SEP-2352). */
  issuer?: string;
  scopes?: string[];
  /** false: no RFC 8707 `resource` parameter in authorization and token requests (servers that refuse it). */
  resourceIndicator?: boolean;
  /** true: tokens bound to the server's DPoP key (RFC 9449), kept in the store: proofs on token requests and on every request. */
  dpop?: boolean;
  /** Shown to the person at the authorization server when the gateway registers itself. */
  clientName?: string;
  /**
   * The https URL of the gateway's Client ID Metadata Document: used as the client id at authorization servers that
   * take one (`client_id_metadata_document_supported`) instead of registering; others are registered with as before.
   */
  clientMetadataUrl?: string;
  /** The gateway's own authorization was started (`stepUp`: to widen it to that scope): someone should open `url`. */
  announce?: (url: string, stepUp?: string) => void;
  /** How long an access token is used from memory before the store is read again; default 30 s. */
  recheckMs?: number;
  /**
   * How long before its access token expires a grant is refreshed (in the background; at most half the token's
   * lifetime before; up to a fifth less, at random, so grants made together are not refreshed together). Default
   * 60 s; 0: only when the server answers 401. Grants whose token response gave no `expires_in`, or no refresh token,
   * are refreshed on 401 only.
   */
  refreshAheadMs?: number;
  /** Each refresh this replica asked for, and how it went (metrics). */
  onRefresh?: (event: RefreshEvent) => void;
  /**
   * The URL a caller (any key but the gateway's) is given in place of the authorization server's, for the
   * authorization started under `state`: a page that first confirms, in the browser, that the person is that caller
   * (the gateway's `oauth.confirmCaller`). Undefined: the authorization server's URL as it is.
   */
  callerUrl?: (state: string) => string | undefined;
}

export const REFRESH_REASONS = ['ahead', 'unauthorized'] as const;
export const REFRESH_OUTCOMES = ['refreshed', 'taken', 'failed'] as const;
/**
 * A refresh asked for (`ahead` of expiry, or the server answered `unauthorized`) and how it went: `refreshed` here,
 * `taken` from another replica that refreshed first, or `failed`.
 */
export interface RefreshEvent {
  reason: (typeof REFRESH_REASONS)[number];
  outcome: (typeof REFRESH_OUTCOMES)[number];
}

/** A grant's access token as a replica holds it in memory. */
export interface HeldAccess {
  token: string;
  /** Bound to the DPoP key (`token_type: DPoP`): sent with a proof. */
  dpop?: boolean;
  refreshAt?: number;
  expiresAt?: number;
}
