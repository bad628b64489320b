// OAuth toward one upstream server, as the MCP authorization spec has a client do it: the server's protected
// resource metadata names its authorization server, the gateway registers itself there (dynamic client registration;
// or names its Client ID Metadata Document's URL as its client id, where the server takes one) unless a client is
// configured, a person authorizes in a browser (authorization code with PKCE), and the grant is kept in a SecretStore
// and refreshed shortly before it expires and when the server answers 401, by one replica at a time (the others take
// its token: servers that rotate refresh tokens revoke a grant whose spent one comes back); a server that answers 403
// insufficient_scope gets an authorization asking for more (step-up, SEP-2350's scope union). With `dpop`, the tokens
// are bound to a key kept beside them (RFC 9449). Grants are kept per key: the gateway's own (GATEWAY_GRANT) and, with
// per-caller authorization, one per principal. The SDK's `auth()` runs every step, with a provider from grant-flow.ts.
import { setTimeout as sleep } from 'node:timers/promises';
import {
  auth,
  type DpopSession,
  computeScopeUnion,
  discoverOAuthServerInfo,
  extractWWWAuthenticateParams,
  isStrictScopeSuperset,
  type OAuthDiscoveryState,
  type StoredOAuthClientInformation,
  type StoredOAuthTokens,
  withDpop,
} from '@modelcontextprotocol/client';
import { LRUCache } from 'lru-cache';
import type { Logger } from '../core/logger.js';
import type { SecretStore } from '../core/secret-store.js';
import type { Fetch } from './capped-fetch.js';
import { dpopSession } from './dpop-key.js';
import { type GrantFlowHost, grantFlow, needsAuthorization } from './grant-flow.js';
import type { HeldAccess, OAuthClientSettings } from './oauth-client-settings.js';
import {
  CLIENT_OF_GRANT,
  clientsKeyOf,
  discoveryKeyOf,
  EXPIRES_AT,
  GATEWAY_GRANT,
  type HeldTokens,
  isDpop,
  type OAuthRefusal,
  PENDING_TTL_MS,
  type PendingAuthorization,
  parsed,
  pendingKey,
  REFRESH_AT,
  refreshClaimKey,
  refusalKey,
  tokensKey,
} from './oauth-grant-records.js';
import { sentToken, tokenSentWith } from './sent-token.js';
import { type Revocation, revokeTokens } from './token-revocation.js';
import type { SigningAuthProvider } from './upstream.js';

export { GATEWAY_GRANT } from './oauth-grant-records.js';
export { type OAuthClientSettings, REFRESH_OUTCOMES, REFRESH_REASONS, type RefreshEvent } from './oauth-client-settings.js';

/** What a server's 401 names in its `WWW-Authenticate` challenge: its resource metadata's URL and the scope it wants. */
export interface AuthChallenge {
  resourceMetadataUrl?: URL;
  scope?: string;
}

/** A server still waiting for its authorization is named in the log at most this often. */
const NAG_EVERY_MS = 5 * 60_000;
/** A caller asking again this soon gets the authorization already started for them, not another one. */
const REUSE_STARTED_MS = 5 * 60_000;
/** Keys whose access token or started authorization is kept in process; beyond this the least recently used go. */
const MAX_KEYS = 10_000;
/**
 * An access token kept in process is read from the store again after this long, so a grant forgotten or replaced
 * elsewhere (another replica's `forget`) stops being used here within it.
 */
const RECHECK_MS = 30_000;
/** A refresh ahead that failed is tried again after this long (until the token expires and a 401 asks). */
const REFRESH_AHEAD_RETRY_MS = 5_000;
/** How long one replica's refresh of a grant keeps the others waiting for its token before one takes over. */
const REFRESH_CLAIM_MS = 30_000;
/** How often a replica waiting for another's refresh reads the store. */
const REFRESH_POLL_MS = 50;

/** A token the transport sent as a bearer token (the DPoP wrapper turns only those into DPoP). */
const BEARER = /^bearer\s+(.+)$/i;

export class OAuthGrants {
  /** Access tokens of the keys known to hold a grant, so a request does not ask the store (Redis) each time. */
  readonly #access: LRUCache<string, HeldAccess>;
  /**
   * The last authorization URL started per key (and when, and for which scope when it was a step-up), for the error
   * a caller gets and for admins.
   */
  readonly #started = new LRUCache<string, { url: string; at: number; scope?: string }>({ max: MAX_KEYS, ttl: PENDING_TTL_MS });
  #naggedAt = 0;
  /** One refresh at a time per key: the server rotates refresh tokens, so a second one in parallel would fail. */
  readonly #refreshing = new Map<string, Promise<void>>();
  /** The server's DPoP key, once read (or made). */
  #dpop: Promise<DpopSession> | undefined;
  /** Keys whose refresh ahead of expiry failed: not tried again before then (epoch ms). */
  readonly #aheadRetry = new LRUCache<string, number>({ max: MAX_KEYS });
  /** One step-up at a time per key: callers refused together are sent to the same authorization. */
  readonly #steppingUp = new Map<string, Promise<string | undefined>>();
  /** What each step of a grant (grant-flow.ts) reads and tells. */
  readonly #host: GrantFlowHost;

  constructor(
    readonly server: string,
    readonly serverUrl: string,
    private readonly settings: OAuthClientSettings,
    private readonly store: SecretStore,
    private readonly log: Logger,
  ) {
    this.#access = new LRUCache<string, HeldAccess>({ max: MAX_KEYS, ttl: settings.recheckMs ?? RECHECK_MS });
    this.#host = {
      server,
      settings,
      store,
      held: (key, access) => this.#access.set(key, access),
      started: (key, url, shown, stepUp) => {
        this.#started.set(key, { url: shown, at: Date.now(), ...(stepUp !== undefined && { scope: stepUp }) });
        this.#access.delete(key);
        if (key !== GATEWAY_GRANT) return;
        this.#nag(url, stepUp);
        settings.announce?.(url, stepUp);
      },
      forget: (key) => this.forget(key),
      dpopSession: () => this.#dpopSession(),
    };
  }

  /**
   * The credentials of `key`'s connection: its grant's access token on every request, refreshed in the background
   * shortly before it expires, and a refresh on 401.
   */
  provider(key: string): SigningAuthProvider {
    return {
      // A request the transport sent with a DPoP-bound token goes out as `Authorization: DPoP`, with a proof for that
      // request (and a nonce the server asks for, retried once); anything else (a bearer token, a token request to
      // the authorization server, discovery) as it is.
      ...(this.settings.dpop && {
        sign: (inner: Fetch): Fetch => async (url, init) => {
          const sent = tokenSentWith(init, BEARER);
          const held = sent === undefined ? undefined : (this.#access.get(key) ?? (await this.#load(key)));
          if (!held?.dpop || held.token !== sent) return inner(url, init);
          return withDpop(() => this.#dpopSession(), () => sent)(inner)(url, init);
        },
      }),
      // A stale one (another replica refreshed) gets 401, and the new one is read from the store.
      token: async () => {
        const held = this.#access.get(key) ?? (await this.#load(key));
        if (held?.refreshAt === undefined || Date.now() < Math.max(held.refreshAt, this.#aheadRetry.get(key) ?? 0)) return held?.token;
        const refreshed = this.#refreshAhead(key, held.token);
        if (held.expiresAt === undefined || Date.now() < held.expiresAt) return held.token;
        // Expired already (no request came while it could be refreshed ahead): the new one, if it comes.
        await refreshed;
        return (this.#access.get(key) ?? (await this.#load(key)))?.token;
      },
      onUnauthorized: async (ctx) => {
        let refused: string | undefined;
        if (!this.#refreshing.has(key)) {
          // Refused a token already replaced (sent before a refresh finished, here or on another replica: the store
          // is read past this one's memory): the next request takes the new one.
          const sent = sentToken(ctx.response);
          refused = (await this.#load(key))?.token;
          if (sent !== undefined && refused !== undefined && sent !== refused) return;
        }
        // The server refused the token it holds: its metadata is read again, not taken from before (SEP-2352: it may
        // name another authorization server now, which the grant and the client are not good at).
        if (refused !== undefined) await this.store.delete(discoveryKeyOf(this.server));
        const { resourceMetadataUrl, scope } = extractWWWAuthenticateParams(ctx.response);
        return this.#refresh(key, refused, { serverUrl: ctx.serverUrl, ...(resourceMetadataUrl && { resourceMetadataUrl }), ...(scope && { scope }), fetchFn: ctx.fetchFn });
      },
    };
  }

  /**
   * Refreshes `key`'s grant before its access token expires. One that fails (the authorization server unreachable)
   * starts no new authorization and is tried again a few seconds later; the token serves meanwhile, and once it has
   * expired the server's 401 asks for a refresh as usual. Resolves either way.
   */
  #refreshAhead(key: string, stale: string): Promise<void> {
    const running = this.#refreshing.get(key);
    if (running) return running.catch(() => undefined);
    return this.#refresh(key, stale, { serverUrl: new URL(this.serverUrl) }, true).then(
      () => {
        this.#aheadRetry.delete(key);
      },
      (err: unknown) => {
        this.#aheadRetry.set(key, Date.now() + REFRESH_AHEAD_RETRY_MS);
        this.log.warn({ server: this.server, problem: String((err as Error)?.message ?? err) }, `upstream '${this.server}': refreshing its authorization ahead of expiry failed; tried again in ${REFRESH_AHEAD_RETRY_MS / 1000} s`);
      },
    );
  }

  /**
   * Refreshes `key`'s grant, once at a time here and across replicas sharing the store: the replica that claims the
   * refresh makes it, the others wait for the token it saves (in place of `stale`, the one they hold) and take it. A
   * refresh token presented twice is refused, and a server with reuse detection then revokes the whole grant.
   */
  #refresh(key: string, stale: string | undefined, options: Omit<Parameters<typeof auth>[1], 'authorizationCode'>, ahead = false): Promise<void> {
    let running = this.#refreshing.get(key);
    if (!running) {
      const refresh = async () => {
        const result = await auth(grantFlow(this.#host, key, { ahead }), options);
        if (result !== 'AUTHORIZED') throw needsAuthorization(this.server);
        return 'refreshed' as const;
      };
      const reason = ahead ? 'ahead' : 'unauthorized';
      const report = this.settings.onRefresh ?? (() => {});
      running = (stale === undefined ? refresh() : this.#claimed(key, stale, refresh))
        .then(
          (done) => report({ reason, outcome: done ?? 'taken' }),
          (err: unknown) => {
            report({ reason, outcome: 'failed' });
            throw err;
          },
        )
        .finally(() => this.#refreshing.delete(key));
      this.#refreshing.set(key, running);
    }
    return running;
  }

  /**
   * Runs `refresh` once this replica holds the claim on `key`'s refresh, unless another replaced `stale` meanwhile
   * (undefined then: the other's token is taken).
   */
  async #claimed<T>(key: string, stale: string, refresh: () => Promise<T>): Promise<T | undefined> {
    const claim = refreshClaimKey(this.server, key);
    for (;;) {
      const token = await this.store.claim(claim, REFRESH_CLAIM_MS);
      if (token !== undefined) {
        try {
          // Another replica may have refreshed between this one's read and its claim.
          const stored = await this.#load(key);
          if (stored !== undefined && stored.token !== stale) return undefined;
          return await refresh();
        } finally {
          await this.store.release(claim, token).catch(() => undefined);
        }
      }
      // Another replica holds it: its token once saved; its claim once released (or run out, its holder gone).
      await sleep(REFRESH_POLL_MS);
      const stored = await this.#load(key);
      if (stored === undefined) throw needsAuthorization(this.server);
      if (stored.token !== stale) return undefined;
    }
  }

  /**
   * Resolves once no refresh is running here: a process that stops first waits for it, so a refresh token the
   * authorization server has just rotated is not lost with the answer that carried its successor.
   */
  async settled(): Promise<void> {
    while (this.#refreshing.size > 0) await Promise.allSettled([...this.#refreshing.values()]);
  }

  /**
   * What an administrator may see of `key`'s grant (never its tokens): its scope, when its access token expires and
   * when it is refreshed ahead of that, and whether it is bound to the DPoP key. Undefined when it holds none.
   */
  async facts(key: string): Promise<{ scope?: string; expiresAt?: string; refreshAt?: string; refreshable: boolean; dpop: boolean } | undefined> {
    const tokens = parsed<HeldTokens>(await this.store.get(this.#tokensKey(key)));
    if (!tokens?.access_token) return undefined;
    const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
    const [expiresAt, refreshAt] = [iso(tokens[EXPIRES_AT]), iso(tokens[REFRESH_AT])];
    return { ...(tokens.scope && { scope: tokens.scope }), ...(expiresAt && { expiresAt }), ...(refreshAt && { refreshAt }), refreshable: tokens.refresh_token !== undefined, dpop: isDpop(tokens) };
  }

  /** The keys holding a grant at this server: the gateway's, and each caller's. */
  async holders(): Promise<string[]> {
    const prefix = tokensKey(this.server, '');
    return (await this.store.keys(prefix)).map((k) => k.slice(prefix.length));
  }

  /** True when `key` holds a grant (tokens it may use or refresh). */
  async has(key: string): Promise<boolean> {
    return (this.#access.get(key) ?? (await this.#load(key))) !== undefined;
  }

  async #load(key: string): Promise<HeldAccess | undefined> {
    const tokens = parsed<HeldTokens>(await this.store.get(this.#tokensKey(key)));
    if (!tokens?.access_token) return undefined;
    const held: HeldAccess = { token: tokens.access_token, dpop: isDpop(tokens), refreshAt: tokens[REFRESH_AT], expiresAt: tokens[EXPIRES_AT] };
    this.#access.set(key, held);
    return held;
  }

  /**
   * Starts an authorization for `key` (discovery, registration if needed, PKCE): the URL a person opens to grant it.
   * A key holding a refreshable grant is refreshed instead (undefined: nothing to open). `challenge`: what the
   * server's 401 named (where its metadata is, the scope it wants), which discovery starts from. `fresh`: not the
   * URL of one started in the last moments (its redirect URI may be gone: a CLI's callback closed since).
   */
  async authorize(key: string, challenge: AuthChallenge = {}, fresh = false): Promise<string | undefined> {
    const url = await this.#authorization(key, challenge, fresh);
    // Asked again: a refusal of an authorization before is no longer the news (`refusal`).
    if (url !== undefined) await this.store.delete(refusalKey(this.server, key));
    return url;
  }

  async #authorization(key: string, challenge: AuthChallenge, fresh: boolean): Promise<string | undefined> {
    const recent = fresh ? undefined : this.startedSince(key, Date.now() - REUSE_STARTED_MS);
    if (recent && !(await this.has(key))) return recent;
    // A REDIRECT has just recorded the URL it started (redirectToAuthorization). A grant held is refreshed instead,
    // by one replica at a time.
    const start = () => auth(grantFlow(this.#host, key), { serverUrl: this.serverUrl, ...challenge });
    const held = (await this.#load(key))?.token;
    const result = held === undefined ? await start() : await this.#claimed(key, held, start);
    return result === 'REDIRECT' ? this.#started.get(key)?.url : undefined;
  }

  /**
   * The server refused `key`'s token for want of scope (403 `insufficient_scope`, naming `required`): an authorization
   * asking for the union of what the grant holds, what is configured and what the server named is started, and its
   * URL returned (the same one to every caller refused meanwhile). The grant stays in use for what it covers until
   * the person has approved. Undefined when the grant already held all of those and was refreshed instead: the
   * caller may try once more.
   */
  stepUp(key: string, required: string | undefined, resourceMetadataUrl?: URL): Promise<string | undefined> {
    let running = this.#steppingUp.get(key);
    if (!running) {
      running = this.#stepUp(key, required, resourceMetadataUrl).finally(() => this.#steppingUp.delete(key));
      this.#steppingUp.set(key, running);
    }
    return running;
  }

  async #stepUp(key: string, required: string | undefined, resourceMetadataUrl?: URL): Promise<string | undefined> {
    const held = parsed<StoredOAuthTokens>(await this.store.get(this.#tokensKey(key)))?.scope;
    const scope = computeScopeUnion(this.settings.scopes?.join(' '), held, required);
    const started = this.pendingStepUp(key);
    if (started && Date.now() - started.at < REUSE_STARTED_MS && !isStrictScopeSuperset(scope, started.scope)) return started.url;
    // A refresh cannot widen a grant (RFC 6749 §6): only a new authorization can.
    const widen = isStrictScopeSuperset(scope, held);
    const start = () =>
      auth(grantFlow(this.#host, key, { stepUp: scope ?? '' }), { serverUrl: this.serverUrl, ...(scope && { scope }), forceReauthorization: widen, ...(resourceMetadataUrl && { resourceMetadataUrl }) });
    // A grant that covers the scope is refreshed (one replica at a time; another's refresh serves as well).
    const token = widen ? undefined : (await this.#load(key))?.token;
    const result = token === undefined ? await start() : await this.#claimed(key, token, start);
    return result === 'REDIRECT' ? this.#started.get(key)?.url : undefined;
  }

  /** The step-up authorization started for `key` and not yet completed, if any. */
  pendingStepUp(key: string): { url: string; at: number; scope: string } | undefined {
    const started = this.#started.get(key);
    return started?.scope === undefined ? undefined : (started as { url: string; at: number; scope: string });
  }

  /** The URL of the last authorization started for `key` since `since` (ms epoch), if any. */
  startedSince(key: string, since: number): string | undefined {
    const started = this.#started.get(key);
    return started && started.at >= since && Date.now() - started.at < PENDING_TTL_MS ? started.url : undefined;
  }

  /** The browser came back with `code` for `pending`: the code is exchanged and the grant kept. */
  async complete(pending: PendingAuthorization, state: string, code: string, iss?: string): Promise<void> {
    await this.store.delete(pendingKey(state));
    // Used up, whatever the exchange gives: whoever asks again is sent to a new authorization, not to this one.
    this.#started.delete(pending.key);
    const result = await auth(grantFlow(this.#host, pending.key, { callback: pending }), { serverUrl: this.serverUrl, authorizationCode: code, ...(iss && { iss }) });
    if (result !== 'AUTHORIZED') throw new Error(`the authorization server did not grant '${this.server}'`);
    if (pending.key === GATEWAY_GRANT) this.#naggedAt = 0;
    await this.store.delete(refusalKey(this.server, pending.key));
  }

  /**
   * The browser came back for `pending` with `error` rather than a code (the person refused, or the authorization
   * server did): the authorization is used up, and the refusal kept (`refusal`) until another starts or a grant is kept.
   */
  async refused(pending: PendingAuthorization, state: string, error: string, description?: string): Promise<void> {
    await this.store.delete(pendingKey(state));
    this.#started.delete(pending.key);
    const refusal: OAuthRefusal = { at: new Date().toISOString(), error, ...(description && { description }) };
    await this.store.set(refusalKey(this.server, pending.key), JSON.stringify(refusal), PENDING_TTL_MS);
  }

  /** How the latest authorization for `key` was refused, when it was and none started or was granted since. */
  async refusal(key: string): Promise<OAuthRefusal | undefined> {
    return parsed<OAuthRefusal>(await this.store.get(refusalKey(this.server, key)));
  }

  /**
   * Lets go of `key`'s grant: revoked at the authorization server that issued it (RFC 7009), where it names a
   * revocation endpoint, then forgotten here whatever that server answered. What became of the revocation is returned;
   * undefined when no grant was held.
   */
  async revoke(key: string): Promise<Revocation | undefined> {
    const tokens = parsed<HeldTokens>(await this.store.get(this.#tokensKey(key)));
    if (!tokens?.access_token) {
      await this.forget(key);
      return undefined;
    }
    try {
      const known = parsed<OAuthDiscoveryState>(await this.store.get(discoveryKeyOf(this.server)));
      const metadata = known?.authorizationServerMetadata ?? (await discoverOAuthServerInfo(this.serverUrl).catch(() => undefined))?.authorizationServerMetadata;
      // As the client it was issued to: one registered here (with its own secret), or one configured (with the secret
      // configured now).
      const { clientId, clientSecret } = this.settings;
      const holder = tokens[CLIENT_OF_GRANT] ?? clientId;
      const registered = parsed<Record<string, StoredOAuthClientInformation>>(await this.store.get(clientsKeyOf(this.server)));
      const client = holder === undefined ? undefined : (registered?.[holder] ?? { client_id: holder, ...(clientSecret && { client_secret: clientSecret }) });
      return await revokeTokens(metadata, client, tokens);
    } finally {
      await this.forget(key);
    }
  }

  /** Forgets `key`'s grant here (the next use asks for a new authorization); `revoke` also ends it at its server. */
  async forget(key: string): Promise<void> {
    this.#access.delete(key);
    await this.store.delete(this.#tokensKey(key));
  }

  #tokensKey(key: string): string {
    return tokensKey(this.server, key);
  }

  #dpopSession(): Promise<DpopSession> {
    this.#dpop ??= dpopSession(this.store, `oauth:${this.server}:dpop-key`).catch((err: unknown) => {
      this.#dpop = undefined;
      throw err;
    });
    return this.#dpop;
  }

  /**
   * The gateway's own authorization is missing, or needs more scope: say where to grant it (a missing one not on
   * every reconnect attempt; a step-up once per authorization started).
   */
  #nag(url: string, stepUp?: string): void {
    if (stepUp !== undefined) {
      this.log.warn({ server: this.server, authorizationUrl: url, scope: stepUp }, `upstream '${this.server}' needs the gateway's authorization widened to scope "${stepUp}": open the URL in a browser`);
      return;
    }
    if (Date.now() - this.#naggedAt < NAG_EVERY_MS) return;
    this.#naggedAt = Date.now();
    this.log.warn({ server: this.server, authorizationUrl: url }, `upstream '${this.server}' needs authorization (open the URL in a browser, or POST /admin/oauth/authorize)`);
  }
}
