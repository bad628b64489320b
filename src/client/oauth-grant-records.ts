// What OAuth grants keep in a SecretStore, and under which keys: authorizations in progress (by their `state`), each
// server's tokens per key (with the client they were issued to, when to refresh them, when they expire), the clients
// registered at its authorization servers, its discovered metadata, and the claim of the replica refreshing a grant.
import type { StoredOAuthTokens } from '@modelcontextprotocol/client';
import type { SecretStore } from '../core/secret-store.js';

/** The key of the authorization an administrator makes for the gateway itself (principal keys are JSON arrays). */
export const GATEWAY_GRANT = 'gateway';
/** How long a started authorization may be completed: the browser's round trip, with time to log in. */
export const PENDING_TTL_MS = 10 * 60_000;
/** Where the clients registered for `server` are kept, by client id. */
export const clientsKeyOf = (server: string) => `oauth:${server}:clients`;
/** Two issuer identifiers of one authorization server (the SDK's SEP-2352 comparison: a trailing `/` aside). */
export const sameIssuer = (a: string, b: string) => a.replace(/\/$/, '') === b.replace(/\/$/, '');
/** Where a server's discovered metadata (its resource's, its authorization server's) is kept. */
export const discoveryKeyOf = (server: string) => `oauth:${server}:discovery`;
/** An authorization started for `key` of `server`, found again by its `state` when the browser comes back. */
export interface PendingAuthorization {
  server: string;
  key: string;
  verifier: string;
  /** The redirect URI the authorization was started with (the code exchange must send the same). */
  redirectUrl: string;
  /** The client the code is issued to (the exchange must run as it: two flows may each have registered one). */
  clientId?: string;
  /** The scope it asked for: what was granted when the token response does not say (RFC 6749 §5.1). */
  scope?: string;
  /** The authorization server's URL, when the caller was given another (`callerUrl`) that leads there once confirmed. */
  url?: string;
  /** The browser that comes back must be the one that confirmed who it is (`callerUrl`); none other completes it. */
  confirm?: true;
}

export const pendingKey = (state: string) => `oauth:pending:${state}`;
/** How the latest authorization for `key` of `server` was refused (`OAuthRefusal`), kept for PENDING_TTL_MS. */
export const refusalKey = (server: string, key: string) => `oauth:${server}:refused:${key}`;
/** The authorization server sent the browser back with `error` (RFC 6749 §4.1.2.1) rather than a code. */
export interface OAuthRefusal {
  at: string;
  error: string;
  description?: string;
}
/** Where `server`'s grant for `key` is kept in the store. */
export const tokensKey = (server: string, key: string) => `oauth:${server}:tokens:${key}`;

/** The server whose grant for `key` the store key `stored` holds; undefined when it holds none. */
export function serverOfGrant(stored: string, key: string): string | undefined {
  const suffix = `:tokens:${key}`;
  return stored.startsWith('oauth:') && stored.endsWith(suffix) && stored.length > 6 + suffix.length ? stored.slice(6, -suffix.length) : undefined;
}

/** The authorization started under `state` (the callback's), if it has not run out or been used. */
export async function pendingAuthorization(store: SecretStore, state: string): Promise<PendingAuthorization | undefined> {
  const raw = await store.get(pendingKey(state));
  return raw === undefined ? undefined : (JSON.parse(raw) as PendingAuthorization);
}

/** A kept grant names the registered client it was issued to (it is refreshed as that client). */
export const CLIENT_OF_GRANT = 'mcplex_client_id';
/** When a kept grant is refreshed ahead of its access token's expiry (epoch ms), if it can be. */
export const REFRESH_AT = 'mcplex_refresh_at';
/** When its access token expires (epoch ms), if the token response said. */
export const EXPIRES_AT = 'mcplex_expires_at';
export type HeldTokens = StoredOAuthTokens & { [CLIENT_OF_GRANT]?: string; [REFRESH_AT]?: number; [EXPIRES_AT]?: number };
/** Where `server`'s refresh of `key`'s grant is claimed by the replica making it. */
export const refreshClaimKey = (server: string, key: string) => `oauth:${server}:refreshing:${key}`;

export const parsed = <T>(raw: string | undefined): T | undefined => (raw === undefined ? undefined : (JSON.parse(raw) as T));
export const isDpop = (tokens: StoredOAuthTokens) => tokens.token_type?.toLowerCase() === 'dpop';
