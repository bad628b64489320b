// One step of a grant toward an upstream's authorization server, as the SDK's `auth()` asks a client for it: which
// client it runs as (configured, registered, or its metadata document's URL), where the tokens, the PKCE verifier and
// the discovered metadata are kept (the SecretStore), and what happens when a person must open a URL. OAuthGrants
// (oauth-grants.ts) makes one for every authorization, refresh, step-up and callback, and is told what changed.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { type DpopSession, type OAuthClientMetadata, type OAuthClientProvider, type OAuthDiscoveryState, type StoredOAuthClientInformation, type StoredOAuthTokens, UnauthorizedError } from '@modelcontextprotocol/client';
import type { SecretStore } from '../core/secret-store.js';
import { registrationMetadata } from './client-metadata.js';
import type { HeldAccess, OAuthClientSettings } from './oauth-client-settings.js';
import {
  CLIENT_OF_GRANT,
  clientsKeyOf,
  discoveryKeyOf,
  EXPIRES_AT,
  GATEWAY_GRANT,
  type HeldTokens,
  isDpop,
  PENDING_TTL_MS,
  type PendingAuthorization,
  parsed,
  pendingKey,
  REFRESH_AT,
  sameIssuer,
  tokensKey,
} from './oauth-grant-records.js';

/** The redirect URI a flow names while no callback listens (a refresh sends none; no authorization starts with it). */
const NO_CALLBACK = 'http://127.0.0.1/no-callback-listening';

/** How long one writer (a flow of any replica) may hold a server's registered-clients list while it rewrites it. */
const CLIENTS_WRITE_MS = 5_000;
const CLIENTS_POLL_MS = 20;

/**
 * Runs `work` holding the store's claim on writing `key` (a registered-clients list): its read-modify-writes one at a
 * time across the replicas sharing the store, so two flows registering at once never write over each other's client.
 * A holder that died lets go when its claim runs out.
 */
async function oneAtATime(store: SecretStore, key: string, work: () => Promise<void>): Promise<void> {
  const claim = `${key}:writing`;
  const until = Date.now() + 2 * CLIENTS_WRITE_MS;
  for (;;) {
    const token = await store.claim(claim, CLIENTS_WRITE_MS);
    if (token !== undefined) {
      try {
        return await work();
      } finally {
        await store.release(claim, token).catch(() => undefined);
      }
    }
    if (Date.now() > until) throw new Error(`${key} stayed claimed by another writer for ${2 * CLIENTS_WRITE_MS} ms`);
    await sleep(CLIENTS_POLL_MS);
  }
}

/** What a caller is told when `server`'s grant is missing or gone: a person must authorize (again). */
export const needsAuthorization = (server: string) => new UnauthorizedError(`'${server}' needs authorization`);

/** How long before its access token expires a grant is refreshed, by default. */
const REFRESH_AHEAD_MS = 60_000;
/** Up to this fraction less ahead, at random. */
const REFRESH_JITTER = 0.2;

/** What a grant's steps read and tell: the server, its settings and store, and the grants' holder. */
export interface GrantFlowHost {
  readonly server: string;
  readonly settings: OAuthClientSettings;
  readonly store: SecretStore;
  /** `key`'s tokens were saved: its access token as requests send it. */
  held(key: string, access: HeldAccess): void;
  /** An authorization of `key` started at the authorization server's `url` (its caller is shown `shown`). */
  started(key: string, url: string, shown: string, stepUp?: string): void;
  /** Forgets `key`'s grant (the server refused it). */
  forget(key: string): Promise<void>;
  dpopSession(): Promise<DpopSession>;
}

/** When a grant just issued expires, and when it is refreshed ahead of that (only one with a refresh token). */
export function expiryOf(tokens: StoredOAuthTokens, refreshAheadMs = REFRESH_AHEAD_MS): Pick<HeldTokens, typeof REFRESH_AT | typeof EXPIRES_AT> {
  const lifetime = typeof tokens.expires_in === 'number' && tokens.expires_in > 0 ? tokens.expires_in * 1000 : undefined;
  if (lifetime === undefined) return {};
  const now = Date.now();
  // Up to a fifth less ahead, at random: grants made together (callers after an outage, replicas started at once)
  // are not all refreshed in the same moment.
  const ahead = Math.min(refreshAheadMs, lifetime / 2) * (1 - REFRESH_JITTER * Math.random());
  return { [EXPIRES_AT]: now + lifetime, ...(tokens.refresh_token && ahead > 0 && { [REFRESH_AT]: Math.round(now + lifetime - ahead) }) };
}

/**
 * The SDK's `auth()` provider for one step of `key`'s grant at `host`'s server. `callback`: the leg where the browser
 * came back; `stepUp`: the scope a step-up asks for (its authorization is recorded as one); `ahead`: a refresh ahead
 * of expiry, which fails rather than start an authorization when the refresh fails.
 */
export function grantFlow(host: GrantFlowHost, key: string, leg: { callback?: PendingAuthorization; stepUp?: string; ahead?: boolean } = {}): OAuthClientProvider {
  const { store, server } = host;
  const { callback, stepUp, ahead = false } = leg;
  const tokensKeyOfGrant = tokensKey(server, key);
  // On the callback leg, the redirect URI the authorization started with.
  const settings = callback ? { ...host.settings, redirectUrl: () => callback.redirectUrl } : host.settings;
  // With no callback listening, the SDK still needs a redirect URI to refresh with (it is not sent): one that says so.
  const redirectUrl = () => settings.redirectUrl() ?? NO_CALLBACK;
  const interactive = () => settings.redirectUrl() !== undefined;
  const clientsKey = clientsKeyOf(server);
  const discoveryKey = discoveryKeyOf(server);
  let state: string | undefined;
  let verifier = callback?.verifier;
  /** The client this flow runs as: a grant is refreshed by the client it was issued to. */
  let client: StoredOAuthClientInformation | undefined;
  /** The refresh token this flow read (and may have spent). */
  let refreshRead: string | undefined;
  const registered = async () => parsed<Record<string, StoredOAuthClientInformation & { redirect_uris?: string[] }>>(await store.get(clientsKey)) ?? {};
  return {
    get redirectUrl() {
      return redirectUrl();
    },
    get clientMetadata(): OAuthClientMetadata {
      return registrationMetadata({ redirectUrl: redirectUrl(), confidential: settings.clientSecret !== undefined, ...(settings.clientName && { clientName: settings.clientName }), ...(settings.scopes && { scopes: settings.scopes }) });
    },
    // An authorization server that takes a URL as the client id fetches the gateway's document there instead of
    // registering it (the SDK decides by the server's metadata).
    ...(!settings.clientId && settings.clientMetadataUrl && { clientMetadataUrl: settings.clientMetadataUrl }),
    state: () => {
      state = randomBytes(24).toString('base64url');
      return state;
    },
    clientInformation: async (ctx) => {
      if (settings.clientId) {
        return { client_id: settings.clientId, ...(settings.clientSecret && { client_secret: settings.clientSecret }), ...(settings.issuer && { issuer: settings.issuer }) };
      }
      // The client that holds this key's grant; else the one registered for the current callback URL (a gateway
      // that moved registers again, and grants made before keep refreshing as the client they were issued to);
      // only one registered at the authorization server asked about (SEP-2352: a server that moved to another
      // one is registered with there).
      const clients = await registered();
      const holder = parsed<HeldTokens>(await store.get(tokensKeyOfGrant))?.[CLIENT_OF_GRANT];
      const atIssuer = (c: StoredOAuthClientInformation | undefined) => c !== undefined && (ctx?.issuer === undefined || c.issuer === undefined || sameIssuer(c.issuer, ctx.issuer));
      client = [
        // The callback leg: the client the code was issued to.
        callback?.clientId === undefined ? undefined : clients[callback.clientId],
        holder === undefined ? undefined : clients[holder],
        ...Object.values(clients).filter((c) => c.redirect_uris?.includes(redirectUrl())),
        settings.clientMetadataUrl ? clients[settings.clientMetadataUrl] : undefined,
      ].find(atIssuer);
      // None to refresh as, and none to register now (a client's redirect URI must be one that listens).
      if (!client && !interactive()) throw needsAuthorization(server);
      return client;
    },
    // A client registered beforehand is not saved (nor replaced by registering another): an upstream that names
    // another authorization server than its issuer is refused (the SDK's AuthorizationServerMismatchError).
    ...(!settings.clientId && {
      saveClientInformation: async (info: StoredOAuthClientInformation) => {
        client = info;
        // One save at a time, on any replica: two flows registering at once (a connection attempt and an
        // administrator's authorization) must not write over each other's client.
        await oneAtATime(store, clientsKey, async () => store.set(clientsKey, JSON.stringify({ ...(await registered()), [info.client_id]: info })));
      },
    }),
    tokens: async () => {
      const tokens = parsed<StoredOAuthTokens>(await store.get(tokensKeyOfGrant));
      refreshRead = tokens?.refresh_token;
      return tokens;
    },
    saveTokens: async (tokens) => {
      // A token response without `scope` granted what was asked for (RFC 6749 §5.1): the authorization's scope on
      // the callback leg, the grant's own on a refresh (which asks for nothing more).
      const stored = callback ? undefined : parsed<HeldTokens>(await store.get(tokensKeyOfGrant));
      const scope = tokens.scope ?? (callback ? callback.scope : stored?.scope);
      const held: HeldTokens = {
        ...tokens,
        ...(scope && { scope }),
        ...((settings.clientId ?? client?.client_id) !== undefined && { [CLIENT_OF_GRANT]: settings.clientId ?? client?.client_id }),
        // The same tokens saved again (the SDK stamps their issuer) expire when they did.
        ...(stored?.access_token === tokens.access_token ? { [REFRESH_AT]: stored[REFRESH_AT], [EXPIRES_AT]: stored[EXPIRES_AT] } : expiryOf(tokens, settings.refreshAheadMs)),
      };
      await store.set(tokensKeyOfGrant, JSON.stringify(held));
      host.held(key, { token: tokens.access_token, dpop: isDpop(tokens), refreshAt: held[REFRESH_AT], expiresAt: held[EXPIRES_AT] });
    },
    saveCodeVerifier: (v) => {
      verifier = v;
    },
    codeVerifier: () => {
      if (verifier === undefined) throw new Error(`no authorization of '${server}' is in progress`);
      return verifier;
    },
    redirectToAuthorization: async (url) => {
      if (ahead) throw new Error('the refresh failed');
      if (!interactive()) throw needsAuthorization(server);
      if (state === undefined || verifier === undefined) throw new Error('authorization started without state or verifier');
      const asked = url.searchParams.get('scope');
      const given = key === GATEWAY_GRANT ? undefined : settings.callerUrl?.(state);
      const clientId = url.searchParams.get('client_id');
      const pending: PendingAuthorization = {
        server,
        key,
        verifier,
        redirectUrl: redirectUrl(),
        ...(clientId && { clientId }),
        ...(asked && { scope: asked }),
        ...(given !== undefined && { url: url.href, confirm: true as const }),
      };
      await store.set(pendingKey(state), JSON.stringify(pending), PENDING_TTL_MS);
      host.started(key, url.href, given ?? url.href, stepUp);
    },
    ...(settings.dpop && { dpop: () => host.dpopSession() }),
    // Asked which resource the tokens are for: none, when the authorization server refuses the parameter.
    ...(settings.resourceIndicator === false && { validateResourceURL: async () => undefined }),
    discoveryState: async () => parsed<OAuthDiscoveryState>(await store.get(discoveryKey)),
    saveDiscoveryState: async (s) => store.set(discoveryKey, JSON.stringify(s)),
    invalidateCredentials: async (scope) => {
      if (scope === 'all' || scope === 'tokens') {
        // A refresh refused because another replica refreshed at the same moment (the server rotates refresh
        // tokens): the grant that one saved stays, and the SDK's next try refreshes with it.
        const held = parsed<StoredOAuthTokens>(await store.get(tokensKeyOfGrant));
        if (scope === 'all' || held?.refresh_token === undefined || held.refresh_token === refreshRead) await host.forget(key);
      }
      if ((scope === 'all' || scope === 'client') && client && !settings.clientId) {
        const dropped = client.client_id;
        await oneAtATime(store, clientsKey, async () => {
          const { [dropped]: _dropped, ...rest } = await registered();
          await store.set(clientsKey, JSON.stringify(rest));
        });
      }
      if (scope === 'all' || scope === 'discovery') await store.delete(discoveryKey);
    },
  };
}
