// Which connection serves a forwarded call, and what it carries: the shared ("template") connection of a server,
// or the caller's own isolated one; its credentials, its allow-listed headers, and the caller's signed identity.
import { LRUCache } from 'lru-cache';
import type { Json, RestartCause, Upstream, UpstreamHttpOptions } from '../../client/upstream.js';
import { type CallContext, credentialOf, ErrorCode, GATEWAY_PRINCIPAL, type Principal, WireError } from '../../core/index.js';
import { IDENTITY_META, signIdentity } from '../../middleware/identity-claims.js';
import { stageSpan } from '../../middleware/tracing.js';
import { INVOCATION } from '../../server/index.js';
import type { ServerConfig } from '../config/index.js';
import { INSTANCE_DEFAULTS, type Isolation } from '../config/upstream-auth.js';
import type { OAuthGrants } from '../../client/oauth-grants.js';
import { InsufficientScope } from '../../client/upstream-errors.js';
import { UpstreamCredentials } from './credentials.js';
import { headerFetch, pickHeaders, withHeaders } from './forward-headers.js';
import { IsolatedInstances } from './instances.js';

/** Builds an Upstream for a server; `isolated` ones are the per-caller copies (no catalog duty). */
export type UpstreamFactory = (opts: { http?: UpstreamHttpOptions; isolated: boolean; listMeta?: () => Promise<Json> }) => Upstream;

/** One forwarded call's connection and params; `run` sends with the call's headers; `release` when done. */
export interface CallLease {
  readonly upstream: Upstream;
  readonly params: Json;
  run<T>(send: () => Promise<T>): Promise<T>;
  release(): void;
}

interface Route {
  readonly config: ServerConfig;
  readonly credentials: UpstreamCredentials;
  readonly instances: IsolatedInstances;
  readonly identities: LRUCache<string, string> | undefined;
  /** Connections whose close already closes their instance here. */
  readonly sessions: WeakSet<object>;
}

/** A per-session key for each 2025-era session or stdio connection. */
const sessionIds = new WeakMap<object, string>();
let nextSession = 0;

export class UpstreamRouter {
  readonly #routes = new WeakMap<Upstream, Route>();

  /**
   * `authenticated`: callers are authenticated, so stateful 2025-era HTTP upstreams default to per-principal.
   * `oauthOf`: a server's OAuth grants (`auth.oauth`), when it authorizes that way.
   */
  constructor(
    private readonly authenticated: () => boolean,
    private readonly oauthOf: (config: ServerConfig) => OAuthGrants | undefined = () => undefined,
  ) {}

  /** The shared connection for `config`, with its credentials; per-caller connections are made from `make` on demand. */
  register(config: ServerConfig, make: UpstreamFactory): Upstream {
    const credentials = new UpstreamCredentials(config, this.oauthOf(config));
    const http = (auth: UpstreamHttpOptions['authProvider']): UpstreamHttpOptions | undefined =>
      config.transport === 'stdio' ? undefined : { ...(auth && { authProvider: auth }), ...(config.forwardHeaders && { fetch: headerFetch }) };
    const identity = config.identity;
    const identities = identity ? new LRUCache<string, string>({ max: 10_000, ttl: (identity.ttlSeconds * 1000) / 2 }) : undefined;
    const route = { config, identities };
    const listMeta = identity ? async () => ({ [IDENTITY_META]: await this.#identity(route, GATEWAY_PRINCIPAL) }) : undefined;
    const template = make({ http: http(credentials.shared()), isolated: false, ...(listMeta && { listMeta }) });
    const instances = new IsolatedInstances(config.name, (key) => make({ http: http(credentials.forCaller(key)), isolated: true }), config.instances ?? INSTANCE_DEFAULTS);
    this.#routes.set(template, { ...route, credentials, instances, sessions: new WeakSet() });
    return template;
  }

  /** How `template`'s server is isolated right now ('auto' needs the shared connection's era). */
  isolationOf(template: Upstream): Isolation {
    const route = this.#routes.get(template);
    if (!route) return 'shared';
    const { config } = route;
    if (config.isolation) return config.isolation;
    const stateful = config.transport !== 'stdio' && template.client?.getProtocolEra() === 'legacy';
    return stateful && this.authenticated() ? 'per-principal' : 'shared';
  }

  async lease(template: Upstream, ctx: CallContext, params: Json): Promise<CallLease> {
    const route = this.#routes.get(template);
    const stripped = withoutIdentity(params);
    const outgoing = route?.identities ? await this.#stamp(route, ctx, stripped) : stripped;
    if (!route) return { upstream: template, params: outgoing, run: direct, release: noop };
    const headers = pickHeaders(ctx, route.config.forwardHeaders);
    const { credentials } = route;
    const isolation = this.isolationOf(template);
    const key = isolation === 'shared' ? undefined : isolation === 'per-session' && ctx.era === 'legacy' ? this.#sessionKey(route, ctx) : principalKey(ctx);
    const sent = <T>(send: () => Promise<T>) => withHeaders(headers, send);
    // With OAuth, a call refused for want of scope steps up the grant it was made with, and is sent once more when
    // a refresh was enough (a 403 means the server did not act on it).
    const run = !credentials.oauth
      ? sent
      : <T>(send: () => Promise<T>) =>
          sent(send).catch(async (err: unknown) => {
            if (!(err instanceof InsufficientScope)) throw err;
            const refusal = await credentials.stepUp(key, err);
            if (refusal) throw refusal;
            return sent(send);
          });
    if (key === undefined) return { upstream: template, params: outgoing, run, release: noop };
    // Token exchange and starting the caller's own instance are I/O: child spans of the request's, when traced.
    const stage = <T>(name: string, fn: () => Promise<T>) => stageSpan(ctx, name, fn);
    await credentials.prepare(key, credentialOf(ctx.principal), stage);
    if (!credentials.authorizedByCallers) {
      const lease = await route.instances.acquire(key, stage);
      return { upstream: lease.upstream, params: outgoing, run, release: lease.release };
    }
    // A caller's grant that stops working (revoked, not refreshable) starts a new authorization: they are told where.
    const since = Date.now();
    const reauthorize = (err: unknown): never => {
      // A step-up's own error already says where, and for which scope.
      if (err instanceof WireError && err.code === ErrorCode.UrlElicitationRequired) throw err;
      throw credentials.authorizationNeeded(key, since) ?? err;
    };
    const lease = await route.instances.acquire(key, stage).catch(reauthorize);
    return { upstream: lease.upstream, params: outgoing, run: (send) => run(send).catch(reauthorize), release: lease.release };
  }

  /** Closes `template`'s isolated connections (the server is stopping). */
  drop(template: Upstream): Promise<void> {
    return this.#routes.get(template)?.instances.close() ?? Promise.resolve();
  }

  /** Restarts `template`'s isolated connections (the shared one is restarted by itself). */
  restart(template: Upstream, reason: string, by: RestartCause, drainMs: number): Promise<void> {
    return this.#routes.get(template)?.instances.restart(reason, by, drainMs) ?? Promise.resolve();
  }

  /** A reload changed only the server's timeout: its isolated connections take it too. */
  retime(template: Upstream, timeoutMs: number): void {
    this.#routes.get(template)?.instances.retime(timeoutMs);
  }

  /** The isolated connections of `template`'s server, for health. */
  instances(template: Upstream) {
    return this.#routes.get(template)?.instances.status() ?? [];
  }

  /** A session's instance is closed with the session (2025-era sessions and stdio connections). */
  #sessionKey(route: Route, ctx: CallContext): string {
    const connection = ctx.state.get(INVOCATION)?.connection;
    if (!connection) return principalKey(ctx);
    let id = sessionIds.get(connection);
    if (!id) {
      id = `session:${++nextSession}`;
      sessionIds.set(connection, id);
    }
    const key = id;
    if (!route.sessions.has(connection)) {
      route.sessions.add(connection);
      connection.closers.add(() => route.instances.drop(key));
    }
    return key;
  }

  /** The caller's signed identity in `_meta`, when the server is configured for it (cached for half its lifetime). */
  async #stamp(route: Route, ctx: CallContext, params: Json): Promise<Json> {
    const token = await this.#identity(route, ctx.principal);
    return { ...params, _meta: { ...((params._meta as Json | undefined) ?? {}), [IDENTITY_META]: token } };
  }

  async #identity(route: Pick<Route, 'config' | 'identities'>, principal: Principal): Promise<string> {
    const identity = route.config.identity!;
    // Scopes are part of the key: a principal whose grants changed gets fresh claims at once.
    const key = JSON.stringify([principal.tenant ?? null, principal.id, principal.kind, principal.scopes]);
    let token = route.identities?.get(key);
    if (!token) {
      token = await signIdentity(principal, { key: identity.key, ttlSeconds: identity.ttlSeconds, audience: route.config.name });
      route.identities?.set(key, token);
    }
    return token;
  }
}

const direct = <T>(send: () => Promise<T>) => send();
const noop = () => {};

/** A principal is known by tenant, id and kind together (ids are unique within a tenant): its connections' and grants' key. */
export const principalKeyOf = (p: Pick<Principal, 'tenant' | 'id' | 'kind'>) => JSON.stringify([p.tenant ?? null, p.id, p.kind]);
const principalKey = (ctx: CallContext) => principalKeyOf(ctx.principal);
/** The principal `principalKeyOf` made `key` of; undefined for a key it did not make. */
export function principalOfKey(key: string): Pick<Principal, 'tenant' | 'id' | 'kind'> | undefined {
  try {
    const [tenant, id, kind] = JSON.parse(key) as [string | null, string, Principal['kind']];
    return typeof id === 'string' && typeof kind === 'string' ? { id, kind, ...(typeof tenant === 'string' && { tenant }) } : undefined;
  } catch {
    return undefined;
  }
}

/** A caller never speaks for itself: any identity it put in `_meta` is dropped before the gateway adds its own. */
function withoutIdentity(params: Json): Json {
  const meta = params._meta as Json | undefined;
  if (!meta || !(IDENTITY_META in meta)) return params;
  const { [IDENTITY_META]: _drop, ...rest } = meta;
  return { ...params, _meta: rest };
}
