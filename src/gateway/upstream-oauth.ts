// Upstream servers that authorize with OAuth (`servers.<name>.auth.oauth`): the grants store (`oauth:`), one
// OAuthGrants per server, the callback route an authorization server sends the browser back to, and the admin
// routes that show each server's authorization and start or forget the gateway's own.
//   GET  <callback path>             ?code&state (or ?error): completes the authorization started under `state`
//   GET  /admin/oauth                 each OAuth server: whether the gateway is authorized, the URL to open if not (or
//                                     to widen its grant: `needsScope`, when the server asked for more)
//   POST /admin/oauth/authorize       { "server": "<name>" }: starts the gateway's authorization, answers its URL
//   GET  /admin/oauth/callers, POST /admin/oauth/forget: the callers holding grants; letting go of the gateway's grant
//                                     or a caller's, revoked at its authorization server (oauth-grants-admin.ts)
//   GET  /oauth/confirm, POST /oauth/confirm/key: a caller's link confirms who opened it (`oauth.confirmCaller`,
//                                     caller-confirmation.ts)
//   GET  <oauth.clientMetadataUrl's path>: the gateway's Client ID Metadata Document (client-metadata.ts)
import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { clientMetadataDocument } from '../client/client-metadata.js';
import { GATEWAY_GRANT, OAuthGrants, type RefreshEvent } from '../client/oauth-grants.js';
import { openInBrowser } from '../client/open-browser.js';
import { ErrorCode, GATEWAY_PRINCIPAL, type Logger, type Principal, type SecretStore, WireError } from '../core/index.js';
import type { AuditEvent } from '../middleware/audit.js';
import { type HttpRoute, readJsonBody, sendJson } from '../server/index.js';
import { FileSecretStore } from '../stores/file/secret-file.js';
import { MemorySecretStore } from '../stores/memory/secret-store.js';
import { RedisSecretStore } from '../stores/redis/secret-store.js';
import { SealedSecretStore } from '../stores/sealed-secret-store.js';
import type { AdminChanges, ChangeAnswer } from './admin-changes.js';
import { CallerConfirmation } from './caller-confirmation.js';
import type { GatewayConfig, ServerConfig } from './config/index.js';
import { completeAuthorization, listenForCallback } from './oauth-callback.js';
import { callerGrants, forgetGrants, type OAuthServerGrants } from './oauth-grants-admin.js';
import { principalOfKey } from './isolation/router.js';
import { OAUTH_CALLBACK_PATH, type OAuthConfig } from './config/oauth.js';
import type { UrlElicitations } from './url-elicitations.js';

export { GATEWAY_GRANT };

function openStore(c: OAuthConfig, log: Logger): SecretStore {
  const store =
    c.store === 'memory' ? new MemorySecretStore() : c.store === 'redis' ? new RedisSecretStore({ url: c.redis!.url, keyPrefix: c.redis!.keyPrefix }) : new FileSecretStore(c.file);
  return c.encryptionKey ? new SealedSecretStore(store, c.encryptionKey, c.previousEncryptionKeys, log) : store;
}

/**
 * The elicitation id of the authorization started under `state`: the same for every caller sent to that URL, and
 * known again when the browser comes back (a digest, so the id does not carry the state itself).
 */
function elicitationIdOf(state: string): string {
  return createHash('sha256').update(`mcplex-oauth:${state}`).digest('base64url').slice(0, 32);
}

/**
 * The error a caller gets until they have authorized the gateway for themselves (a URL elicitation, -32042), or
 * widened that authorization to `stepUp`'s scope. A 2025-era caller that declared URL elicitation hears
 * `notifications/elicitation/complete` when the browser is back.
 */
export function authorizationRequired(server: string, url: string, stepUp?: string): WireError {
  const message =
    stepUp === undefined
      ? `Server '${server}' acts with your own authorization; open the URL to grant it, then call again`
      : `Server '${server}' needs more of your authorization (scope "${stepUp}"): open the URL to grant it, then call again`;
  const state = new URL(url).searchParams.get('state');
  const elicitationId = state ? elicitationIdOf(state) : randomUUID();
  return new WireError(ErrorCode.UrlElicitationRequired, message, { elicitations: [{ mode: 'url', elicitationId, url, message: `Authorize mcplex to use '${server}' for you` }] });
}

/** Whom a grant is for, as the audit log names them: the gateway, or the principal of a per-caller key. */
function principalOf(key: string): Principal {
  if (key === GATEWAY_GRANT) return GATEWAY_PRINCIPAL;
  return { ...(principalOfKey(key) ?? { id: key, kind: 'anonymous' as const }), scopes: [], claims: {} };
}

/** How long an authorization server may keep the gateway's client metadata document before fetching it again. */
const CLIENT_METADATA_MAX_AGE_S = 300;

export class UpstreamOAuth {
  #store: SecretStore | undefined;
  readonly #grants = new Map<string, { grants: OAuthGrants; config: ServerConfig }>();
  /** The listener's origin once serving (a port 0 is known only then). */
  #origin: string | undefined;
  /** Authorizations already opened in the browser (server and step-up scope). */
  readonly #opened = new Set<string>();
  /** Callers' links confirm who opened them (`oauth.confirmCaller`), except over stdio. */
  readonly #confirmation: CallerConfirmation;
  #overStdio = false;
  /** Each refresh of a grant this replica asked for (the gateway's metrics count them). */
  refreshed: ((server: string, event: RefreshEvent) => void) | undefined;
  /** `oauth.clientMetadataUrl` as the gateway started with it: its document is served at its path until a restart. */
  readonly #clientMetadataUrl: string | undefined;

  constructor(
    private readonly config: () => GatewayConfig,
    private readonly log: Logger,
    /** An authorization was completed: the gateway's own lets the server's shared connection try again at once. */
    private readonly authorized: (server: string, key: string) => void,
    /** Each authorization that came back (granted, refused or failed) is recorded as the act of whom it is for. */
    private readonly audit: (event: AuditEvent) => void = () => {},
    /** Callers sent to an authorization (its URL elicitation) hear when the browser is back, however it went. */
    private readonly elicitations?: UrlElicitations,
    /** The gateway's own authorizations are opened in the desktop's browser (a person's gateway, over stdio). */
    private readonly openBrowser = false,
  ) {
    this.#confirmation = new CallerConfirmation({ config, store: () => this.#storeOf(), log, callbackUrl: () => this.callbackUrl(), audit, principalOf });
    this.#clientMetadataUrl = config().oauth?.clientMetadataUrl;
  }

  /** The server's grants (made once per config: a reload that changes the server makes them again). */
  grantsFor(server: ServerConfig): OAuthGrants | undefined {
    const o = server.auth?.oauth;
    if (!o || (server.transport !== 'http' && server.transport !== 'sse')) return undefined;
    const known = this.#grants.get(server.name);
    if (known?.config === server) return known.grants;
    const settings = {
      redirectUrl: () => this.callbackUrl(),
      ...(o.clientId && { clientId: o.clientId }),
      ...(o.clientSecret && { clientSecret: o.clientSecret }),
      ...(o.issuer && { issuer: o.issuer }),
      ...(o.scopes && { scopes: o.scopes }),
      ...(o.resourceIndicator === false && { resourceIndicator: false }),
      ...(o.dpop && { dpop: true }),
      ...(o.refreshAheadMs !== undefined && { refreshAheadMs: o.refreshAheadMs }),
      ...(this.#clientMetadataUrl && { clientMetadataUrl: this.#clientMetadataUrl }),
      onRefresh: (event: RefreshEvent) => this.refreshed?.(server.name, event),
      ...(this.openBrowser && { announce: (url: string, stepUp?: string) => this.#open(server.name, url, stepUp) }),
      callerUrl: (state: string) => (!this.#overStdio && this.#confirmation.on ? this.#confirmation.linkFor(state) : undefined),
    };
    const grants = new OAuthGrants(server.name, server.url, settings, this.#storeOf(), this.log);
    this.#grants.set(server.name, { grants, config: server });
    return grants;
  }

  /** The listener's origin (after serveHttp), for the default callback URL. */
  served(url: string): void {
    this.#origin = new URL(url).origin;
  }

  /** Where browsers come back to: `oauth.callbackUrl`, else this listener's address. */
  callbackUrl(): string {
    const c = this.config();
    if (c.oauth?.callbackUrl) return c.oauth.callbackUrl;
    if (this.#origin) return `${this.#origin}${OAUTH_CALLBACK_PATH}`;
    const { host, port, tls } = c.listen;
    if (port === 0) throw new Error('the gateway is not serving HTTP yet: its OAuth callback URL is not known');
    return `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}${OAUTH_CALLBACK_PATH}`;
  }

  /** The route browsers come back to (its path is `oauth.callbackUrl`'s, else /oauth/callback). */
  callbackRoute(): HttpRoute {
    const configured = this.config().oauth?.callbackUrl;
    return { method: 'GET', path: configured ? new URL(configured).pathname : OAUTH_CALLBACK_PATH, handle: (req, res) => this.#callback(req, res) };
  }

  routes(changes: AdminChanges): HttpRoute[] {
    const callback = this.callbackRoute();
    return [
      callback,
      ...this.#confirmation.routes(callback.path),
      ...(this.#clientMetadataUrl ? [this.#clientMetadataRoute(this.#clientMetadataUrl)] : []),
      {
        method: 'GET',
        path: '/admin/oauth',
        admin: true,
        handle: async (_req, res) => {
          const servers = await Promise.all(
            [...this.#grants.values()]
              .filter(({ config }) => this.config().servers[config.name]?.auth?.oauth !== undefined)
              .map(async ({ grants, config }) => {
                const grant = await grants.facts(GATEWAY_GRANT);
                const authorized = grant !== undefined;
                // An authorized gateway may still be asked to widen its grant (the server wanted more scope).
                const stepUp = authorized ? grants.pendingStepUp(GATEWAY_GRANT) : undefined;
                const url = authorized ? stepUp?.url : grants.startedSince(GATEWAY_GRANT, 0);
                const refused = await grants.refusal(GATEWAY_GRANT);
                return { server: config.name, perCaller: config.auth!.oauth!.perCaller, authorized, ...(grant && { grant }), ...(url && { authorizationUrl: url }), ...(stepUp && { needsScope: stepUp.scope }), ...(refused && { refused }) };
              }),
          );
          sendJson(res, 200, { callbackUrl: this.#safeCallbackUrl(), ...(this.#clientMetadataUrl && { clientMetadataUrl: this.#clientMetadataUrl }), servers });
        },
      },
      { method: 'GET', path: '/admin/oauth/callers', admin: true, handle: async (_req, res) => sendJson(res, 200, await callerGrants(this.#oauthServers())) },
      { method: 'POST', path: '/admin/oauth/authorize', admin: true, handle: (req, res) => this.#authorize(req, res) },
      // On every replica: each keeps access tokens in memory for a while. Not replayed after a cut: by then the grants
      // store (shared) may hold a newer grant, and what a replica keeps in memory is read again within 30 s anyway.
      changes.route({ path: '/admin/oauth/forget', maxBytes: 16 * 1024, apply: (body) => this.#forget(body) }),
    ];
  }

  /** The document an authorization server fetches at the gateway's client id URL (no authentication: it is public). */
  #clientMetadataRoute(url: string): HttpRoute {
    return {
      method: 'GET',
      path: new URL(url).pathname,
      handle: (_req, res) => sendJson(res, 200, clientMetadataDocument(url, this.callbackUrl()), { 'cache-control': `public, max-age=${CLIENT_METADATA_MAX_AGE_S}` }),
    };
  }

  /**
   * Serving over stdio there is no HTTP listener, so the callback gets one of its own (on `listen`'s address, or
   * `oauth.callbackUrl`'s port) when a server uses OAuth; nothing else is served on it.
   */
  async callbackListener(): Promise<{ close(): Promise<void> } | undefined> {
    // The one caller over stdio is the person running the gateway: their links are not confirmed.
    this.#overStdio = true;
    const c = this.config();
    if (!Object.values(c.servers).some((s) => s.auth?.oauth)) return undefined;
    const configured = c.oauth?.callbackUrl ? new URL(c.oauth.callbackUrl) : undefined;
    const route = this.callbackRoute();
    const listener = await listenForCallback(route, { host: c.listen.host, port: configured?.port ? Number(configured.port) : c.listen.port }, this.log);
    this.#origin = new URL(listener.url).origin;
    this.log.info({ url: this.callbackUrl() }, 'OAuth callback listening');
    return listener;
  }

  /** Waits (up to 5 s) for refreshes in flight to save what they got, then closes the store. */
  async close(): Promise<void> {
    const settled = Promise.all([...this.#grants.values()].map(({ grants }) => grants.settled()));
    await Promise.race([settled, sleep(5000, undefined, { ref: false })]);
    await this.#store?.close();
  }

  /** Opens an authorization of the gateway's in the browser: once per server (and once per step-up scope). */
  #open(server: string, url: string, stepUp?: string): void {
    const what = `${server} ${stepUp ?? ''}`;
    if (this.#opened.has(what)) return;
    this.#opened.add(what);
    void openInBrowser(url).then((failed) => {
      if (failed) this.log.warn({ upstream: server, why: failed }, 'could not open the authorization URL in a browser: open it by hand (it is in the line above)');
      else this.log.info({ upstream: server }, 'opened the authorization URL in the browser');
    });
  }

  #storeOf(): SecretStore {
    if (!this.#store) this.#store = openStore(this.config().oauth ?? { store: 'file', file: 'mcplex-oauth.json' }, this.log);
    return this.#store;
  }

  #safeCallbackUrl(): string | undefined {
    try {
      return this.callbackUrl();
    } catch {
      return undefined;
    }
  }

  /** The server a request's `{ "server": "<name>" }` names, if it uses OAuth; else the error to answer. */
  #named(body: unknown): { server: string; grants: OAuthGrants } | { error: string } {
    const server = (body as { server?: unknown } | null)?.server;
    const names = [...this.#grants.keys()].filter((n) => this.config().servers[n]?.auth?.oauth);
    const entry = typeof server === 'string' && names.includes(server) ? this.#grants.get(server) : undefined;
    if (!entry) return { error: `expected { "server": "<name>" } naming a server with auth.oauth (${names.length > 0 ? names.join(', ') : 'none is configured'})` };
    return { server: server as string, grants: entry.grants };
  }

  async #authorize(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const read = await readJsonBody(req, 16 * 1024, 4);
    if (!read.ok) return sendJson(res, read.status, { error: read.message });
    const named = this.#named(read.value);
    if ('error' in named) return sendJson(res, 404, named);
    const { server, grants } = named;
    try {
      const url = await grants.authorize(GATEWAY_GRANT);
      sendJson(res, 200, url ? { server, authorizationUrl: url } : { server, authorized: true });
    } catch (err) {
      this.log.warn({ err, upstream: server }, 'could not start an OAuth authorization');
      sendJson(res, 502, { error: `could not start the authorization of '${server}': ${(err as Error).message}` });
    }
  }

  #forget(body: unknown): Promise<ChangeAnswer> {
    return forgetGrants(body, this.#oauthServers(), this.log);
  }

  /** The servers that authorize with OAuth now, with their grants. */
  #oauthServers(): OAuthServerGrants[] {
    return [...this.#grants.values()]
      .filter(({ config }) => this.config().servers[config.name]?.auth?.oauth !== undefined)
      .map(({ config, grants }) => ({ server: config.name, grants, perCaller: config.auth!.oauth!.perCaller === true }));
  }

  /** The browser is back from the authorization server: the code becomes the grant of whom the flow was for. */
  #callback(req: IncomingMessage, res: ServerResponse): Promise<void> {
    return completeAuthorization(req, res, {
      store: this.#storeOf(),
      grantsOf: (server) => this.#grants.get(server)?.grants,
      log: this.log,
      confirmed: (req, state) => this.#confirmation.confirmed(req, state),
      done: (pending, errorCode, startedAt, durationMs, state) => {
        this.audit({ method: 'oauth/authorize', principal: principalOf(pending.key), target: pending.server, errorCode, startedAt, durationMs });
        if (errorCode === null) this.authorized(pending.server, pending.key);
        this.elicitations?.announce(pending.server, elicitationIdOf(state));
      },
    });
  }
}
