// An OAuth proxy: the server (a gateway's `auth.oauthProxy`, or a framework server's routes) as the authorization
// server MCP clients see, in front of the identity provider whose JWTs it verifies, for providers that do not let
// clients register themselves (Microsoft Entra ID, Google, Okta without dynamic registration). A client registers
// here; a person approves it on this server's own consent page (without it, a provider that remembers their sign-in
// would hand a code to any client that registered with any redirect URI) and signs in at the provider as the one
// client registered there; the client then gets the provider's access token, which the JWT check verifies as any
// other. Nothing is kept: client ids, authorizations in progress, codes and refresh tokens are sealed (JWE, A256GCM)
// with `key`, so any replica with that key serves any step, and the provider's own single use of its codes makes
// each code handed out here single-use. A client may also be known by the URL of its Client ID Metadata Document
// instead of registering (client-metadata-documents.ts). With `provider` (Google, GitHub: tokens this server cannot
// check), the client gets tokens the proxy signs itself instead (proxy-tokens.ts). The token endpoints are
// oauth-proxy-tokens.ts.
//   GET  /.well-known/oauth-authorization-server   RFC 8414 metadata (the PRM names the gateway's origin)
//   POST /oauth/register                           RFC 7591: { redirect_uris, client_name } → a client id
//   GET  /oauth/authorize                          the consent page: which client, sent back where
//   POST /oauth/authorize                          the person's answer → the provider's sign-in, or access_denied
//   GET|POST /oauth/approvals                      the approvals this browser remembers; withdrawing one (approvals-page.ts)
//   GET  /oauth/idp-callback                       the provider's answer → back to the client with a code
//   POST /oauth/token                              authorization_code (PKCE S256) and refresh_token grants
//   POST /oauth/revoke                             RFC 7009: a client's refresh token (or an access token) revoked at the provider
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as oidc from 'openid-client';
import { type Logger, sha256 } from '../../core/index.js';
import { readCapped, readJsonBody } from './body.js';
import { APPROVALS_PATH, approvalsPage, withdrawApproval } from './approvals-page.js';
import { ClientMetadataDocuments, type ClientMetadataDocumentsConfig, isClientIdUrl } from './client-metadata-documents.js';
import { ConsentMemory, REMEMBER_CONSENT_DAYS } from './consent-memory.js';
import { cookiesOf, escapeHtml, page, postedFromOwnPage } from './html-page.js';
import type { JwtOptions } from '../../middleware/auth/jwt.js';
import { type ClientKeyFields, IdentityProvider, type ProviderClient } from './identity-provider.js';
import type { HttpRoute } from './options.js';
import { type Asked, MAX_FORM_BYTES, nameOf, oauthError, otherResource, type ProxyClient, s256 } from './oauth-proxy-parts.js';
import { ProxyTokenEndpoints } from './oauth-proxy-tokens.js';
import { type ProxyProviderConfig, proxyTokenCheck } from './proxy-tokens.js';
import { redirectProblem, registeredRedirect } from './redirect-uris.js';
import { sendJson } from './respond.js';
import { Sealer } from './sealed-values.js';

const METADATA_PATH = '/.well-known/oauth-authorization-server';
const AUTHORIZE_PATH = '/oauth/authorize';
const TOKEN_PATH = '/oauth/token';
const REGISTER_PATH = '/oauth/register';
const REVOKE_PATH = '/oauth/revoke';
/** How long a consent page, and the sign-in after it, may take. */
const AUTHORIZE_TTL_S = 600;
/** How long a client has to redeem its code. */
const CODE_TTL_S = 120;
const MAX_REDIRECT_URIS = 10;

/**
 * The proxy's client at the identity provider proves itself with `clientSecret`, or its private key (`privateKeyFile`
 * and what goes with it: ClientKeyFields); with neither it is a public client (PKCE only).
 */
export interface OAuthProxyConfig extends ClientKeyFields {
  /** The client registered for the server at the identity provider (redirect URI: `<resource's origin>/oauth/idp-callback`). */
  clientId: string;
  /**
   * An identity provider whose tokens this server cannot check (opaque without introspection: Google, GitHub): the
   * person is read from its userinfo and the proxy signs its own access tokens (`OAuthProxy.tokenCheck` verifies them).
   * Without it, the client gets the provider's own tokens, which the server's JWT check or introspection verifies.
   */
  provider?: ProxyProviderConfig;

  /** The scopes asked of the identity provider for every sign-in (what makes its access tokens fit the JWT check). */
  scopes: string[];
  /**
   * Scopes a client may ask for on top of `scopes`, passed on to the identity provider: what some tools require, for
   * a client to step up to when told `insufficient_scope`. Any other scope a client asks for is not passed on (the
   * provider would grant it to the server's client, for whatever API it names).
   */
  clientScopes?: string[];
  /** More parameters for the identity provider's authorization request (e.g. Auth0's `audience`). */
  authorizationParams?: Record<string, string>;
  /** Seals what the proxy hands out (client ids, codes, refresh tokens): the same on every replica. */
  key: string;
  /** Keys used before `key` (rotation): what they sealed still opens. */
  previousKeys?: string[];
  /**
   * Clients known by the https URL of their Client ID Metadata Document, without registering (on by default, fetched
   * from public addresses only; `allowAddresses` adds the operator's own); `false`: registered clients only.
   */
  clientMetadataDocuments?: boolean | ClientMetadataDocumentsConfig;
  /**
   * How many days a person's approval of a client (with its redirect URI and scopes) is remembered in their browser,
   * so signing in again goes straight to the identity provider (default 30; 0: the consent page every time).
   */
  rememberConsentDays?: number;
}

export interface OAuthProxySettings {
  proxy: OAuthProxyConfig;
  /** The server's public MCP URL (its resource): its origin is the authorization server's issuer. */
  resource: string;
  /** The identity provider's issuer (the JWTs' `iss`). */
  idpIssuer: string;
}

export const IDP_CALLBACK_PATH = '/oauth/idp-callback';

/**
 * What a person did through the proxy, for an audit log: approved or denied a client (`consent`), or signed in for
 * one (`sign-in`: the code exchanged, `subject` from the provider's ID token; or refused by the provider); or what a
 * client let go of (`revocation`: its refresh token, or an access token, revoked at the provider).
 */
export interface OAuthProxyEvent {
  kind: 'consent' | 'sign-in' | 'revocation';
  /** The client's name as it registered (or `an unnamed client`). */
  client: string;
  /** Where the client is sent back (consent, sign-in). */
  redirectUri?: string;
  /** What a revocation revoked. */
  tokenType?: 'refresh_token' | 'access_token';
  subject?: string;
  /** Why it did not go on: the person denied it, the provider refused. */
  refused?: string;
  /** A consent the person gave this client before, in this browser (no page was shown). */
  remembered?: boolean;
  /** The person withdrew the approval their browser remembered (on the approvals page). */
  withdrawn?: boolean;
  at: number;
}

/** What of the scopes a client asked for goes on to the provider besides `scopes`: those `clientScopes` lists. */
const clientScopesOf = (asked: string | null, proxy: OAuthProxyConfig) =>
  [...new Set((asked ?? '').split(' '))].filter((scope) => proxy.clientScopes?.includes(scope) && !proxy.scopes.includes(scope));
export class OAuthProxy {
  #sealer: { settings: OAuthProxyConfig; sealer: Sealer } | undefined;
  #documents: { settings: OAuthProxyConfig; documents: ClientMetadataDocuments | undefined } | undefined;
  readonly #idp = new IdentityProvider();
  readonly #tokens: ProxyTokenEndpoints;

  constructor(
    /** What it serves by, as it is now (a gateway's config may be reloaded); undefined: not configured (404). */
    private readonly settings: () => OAuthProxySettings | undefined,
    private readonly log: Logger,
    /** Each consent and sign-in (e.g. into the audit log). */
    private readonly onEvent: (event: OAuthProxyEvent) => void = () => {},
  ) {
    this.#tokens = new ProxyTokenEndpoints({
      log,
      seal: (s) => this.#seal(s),
      client: (clientId, s) => this.#client(clientId, s),
      provider: (s) => this.#provider(s),
      callbackUrl: (s) => this.#callbackUrl(s),
      told: (kind, asked, outcome) => this.#told(kind, asked, outcome),
      event: (event) => this.onEvent(event),
    });
  }

  /** The issuer MCP clients see (the resource's origin): the JWT check's `authorizationServers`. */
  static issuerOf(resource: string): string {
    return new URL(resource).origin;
  }

  /** The JWT check of the tokens the proxy signs itself (with `provider`): an authenticator's `jwt`. */
  static tokenCheck(s: Pick<OAuthProxySettings, 'resource'> & { proxy: Pick<OAuthProxyConfig, 'key' | 'provider'> }): JwtOptions {
    return proxyTokenCheck(s.resource, s.proxy.key, s.proxy.provider);
  }

  routes(): HttpRoute[] {
    const on = (handle: (req: IncomingMessage, res: ServerResponse, s: OAuthProxySettings) => Promise<void> | void) => (req: IncomingMessage, res: ServerResponse) => {
      const s = this.settings();
      if (!s) return sendJson(res, 404, { error: 'auth.oauthProxy is not configured' });
      return handle(req, res, s);
    };
    return [
      { method: 'GET', path: METADATA_PATH, cors: true, handle: on((_req, res, s) => this.#metadata(res, s)) },
      { method: 'POST', path: REGISTER_PATH, cors: true, handle: on((req, res, s) => this.#register(req, res, s)) },
      { method: 'GET', path: AUTHORIZE_PATH, handle: on((req, res, s) => this.#consentPage(req, res, s)) },
      { method: 'POST', path: AUTHORIZE_PATH, handle: on((req, res, s) => this.#decided(req, res, s)) },
      { method: 'GET', path: APPROVALS_PATH, handle: on((req, res, s) => approvalsPage(req, res, this.#consentMemory(s))) },
      {
        method: 'POST',
        path: APPROVALS_PATH,
        handle: on((req, res, s) =>
          withdrawApproval(req, res, this.#consentMemory(s), OAuthProxy.issuerOf(s.resource), (name) => {
            this.log.info({ client: name }, 'OAuth proxy: a person withdrew their approval of a client');
            this.onEvent({ kind: 'consent', client: name, withdrawn: true, at: Date.now() });
          }),
        ),
      },
      { method: 'GET', path: IDP_CALLBACK_PATH, handle: on((req, res, s) => this.#providerAnswered(req, res, s)) },
      { method: 'POST', path: TOKEN_PATH, cors: true, handle: on((req, res, s) => this.#tokens.token(req, res, s)) },
      { method: 'POST', path: REVOKE_PATH, cors: true, handle: on((req, res, s) => this.#tokens.revoke(req, res, s)) },
    ];
  }

  #metadata(res: ServerResponse, s: OAuthProxySettings): void {
    const issuer = OAuthProxy.issuerOf(s.resource);
    sendJson(res, 200, {
      issuer,
      authorization_endpoint: `${issuer}${AUTHORIZE_PATH}`,
      token_endpoint: `${issuer}${TOKEN_PATH}`,
      registration_endpoint: `${issuer}${REGISTER_PATH}`,
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
      code_challenge_methods_supported: ['S256'],
      scopes_supported: [...s.proxy.scopes, ...(s.proxy.clientScopes ?? [])],
      token_endpoint_auth_methods_supported: ['none'],
      revocation_endpoint: `${issuer}${REVOKE_PATH}`,
      revocation_endpoint_auth_methods_supported: ['none'],
      authorization_response_iss_parameter_supported: true,
      client_id_metadata_document_supported: this.#documentsOf(s) !== undefined,
    });
  }

  async #register(req: IncomingMessage, res: ServerResponse, s: OAuthProxySettings): Promise<void> {
    const read = await readJsonBody(req, MAX_FORM_BYTES, 4);
    if (!read.ok) return oauthError(res, read.status === 413 ? 413 : 400, 'invalid_client_metadata', read.message);
    const body = (read.value ?? {}) as { redirect_uris?: unknown; client_name?: unknown };
    const uris = body.redirect_uris;
    if (!Array.isArray(uris) || uris.length === 0 || uris.length > MAX_REDIRECT_URIS) {
      return oauthError(res, 400, 'invalid_redirect_uri', `redirect_uris must list 1 to ${MAX_REDIRECT_URIS} URIs`);
    }
    for (const uri of uris) {
      const problem = redirectProblem(uri);
      if (problem) return oauthError(res, 400, 'invalid_redirect_uri', `${String(uri).slice(0, 200)} ${problem}`);
    }
    const name = typeof body.client_name === 'string' ? body.client_name.slice(0, 100) : undefined;
    const client: ProxyClient = { redirect_uris: uris as string[], ...(name && { client_name: name }) };
    const clientId = await this.#seal(s).seal('client', { ...client });
    this.log.info({ client: name, redirectUris: uris }, 'OAuth proxy: a client registered');
    sendJson(res, 201, {
      client_id: clientId,
      client_id_issued_at: Math.floor(Date.now() / 1000),
      ...client,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    });
  }

  /** The authorization request a client sent the browser with: checked, then put to the person. */
  async #consentPage(req: IncomingMessage, res: ServerResponse, s: OAuthProxySettings): Promise<void> {
    const q = new URL(req.url ?? '/', 'http://x').searchParams;
    const sealer = this.#seal(s);
    const known = await this.#client(q.get('client_id'), s);
    if ('problem' in known) return page(res, 400, 'Unknown client', known.problem);
    const client = known.client;
    const ru = q.get('redirect_uri') ?? (client.redirect_uris.length === 1 ? client.redirect_uris[0]! : '');
    if (!registeredRedirect(client.redirect_uris, ru)) return page(res, 400, 'Wrong redirect URI', 'The redirect URI is not one this client registered.');
    // From here on, errors go back to the client (RFC 6749 §4.1.2.1).
    const back = (error: string, description: string) => this.#redirect(res, ru, { error, error_description: description, ...(q.get('state') && { state: q.get('state')! }) }, s);
    if (q.get('response_type') !== 'code') return back('unsupported_response_type', 'only response_type=code');
    // RFC 8707: a client naming a resource names this server (the provider's tokens are for it alone).
    if (otherResource(q.get('resource'), s)) return back('invalid_target', `the resource here is ${s.resource}`);
    const ch = q.get('code_challenge');
    if (!ch || q.get('code_challenge_method') !== 'S256') return back('invalid_request', 'PKCE with code_challenge_method=S256 is required');
    // The form is good for this browser only: a page elsewhere cannot post an approval it started.
    const nonce = randomBytes(24).toString('base64url');
    const more = clientScopesOf(q.get('scope'), s.proxy);
    const name = nameOf(q.get('client_id')!, client);
    const asked: Asked = { cid: q.get('client_id')!, ru, ch, ...(q.get('state') && { st: q.get('state')! }), ...(name && { name }), ...(more.length > 0 && { sc: more.join(' ') }) };
    if (await this.#consentMemory(s)?.approvedBefore(req, asked)) {
      this.#told('consent', asked, { remembered: true });
      return this.#toProvider(res, asked, s);
    }
    const request = await sealer.seal('consent', { ...asked, bn: s256(nonce) }, AUTHORIZE_TTL_S);
    const who = name ?? 'An MCP client';
    const where = URL.canParse(ru) ? new URL(ru).origin : ru;
    const form =
      (more.length > 0 ? `<p>It asks for more than signing in: <b>${escapeHtml(more.join(', '))}</b>.</p>` : '') +
      `<p>It will be sent back to <b>${escapeHtml(where === 'null' ? ru : where)}</b>. Approve only if you started this from that application.</p>` +
      (this.#consentMemory(s) ? `<p><small>This browser will remember it: <a href="${APPROVALS_PATH}">approved apps</a>.</small></p>` : '') +
      `<form method="post" action="${AUTHORIZE_PATH}"><input type="hidden" name="request" value="${escapeHtml(request)}">` +
      '<button type="submit" name="decision" value="approve">Approve</button> <button type="submit" name="decision" value="deny">Deny</button></form>';
    page(res, 200, `Allow ${who} to use mcplex as you?`, `${who} asks to call this server's tools on your behalf. You will sign in next.`, form, {
      'set-cookie': `${cookieName(request)}=${nonce}; Path=${AUTHORIZE_PATH}; HttpOnly; SameSite=Lax; Max-Age=${AUTHORIZE_TTL_S}${new URL(s.resource).protocol === 'https:' ? '; Secure' : ''}`,
    });
  }

  async #decided(req: IncomingMessage, res: ServerResponse, s: OAuthProxySettings): Promise<void> {
    if (!postedFromOwnPage(req, OAuthProxy.issuerOf(s.resource))) return page(res, 403, 'Refused', "This form can only be sent from this server's own page.");
    const body = await readCapped(req, MAX_FORM_BYTES);
    if (!body) return page(res, 413, 'Refused', `The form is larger than ${MAX_FORM_BYTES} bytes.`, '', { connection: 'close' });
    const form = new URLSearchParams(body.toString('utf8'));
    const request = form.get('request') ?? '';
    const asked = await this.#seal(s).open<Asked & { bn: string }>('consent', request);
    const nonce = cookiesOf(req).get(cookieName(request));
    if (!asked || nonce === undefined || s256(nonce) !== asked.bn) {
      return page(res, 400, 'Approval not valid', 'This page ran out, or was not opened in this browser. Start again from your MCP client.');
    }
    const clear = `${cookieName(request)}=; Path=${AUTHORIZE_PATH}; Max-Age=0`;
    const approved = form.get('decision') === 'approve';
    this.#told('consent', asked, approved ? {} : { refused: 'the person denied it' });
    if (!approved) {
      this.log.info({ client: asked.name }, 'OAuth proxy: a person denied a client');
      return this.#redirect(res, asked.ru, { error: 'access_denied', error_description: 'the person denied the request', ...(asked.st && { state: asked.st }) }, s, clear);
    }
    const { bn: _bound, ...kept } = asked;
    const memory = this.#consentMemory(s);
    const remember = memory ? [await memory.remember(kept)] : [];
    return this.#toProvider(res, kept, s, [clear, ...remember]);
  }

  /** On to the identity provider's sign-in, for the client the person approved (now or before, in this browser). */
  async #toProvider(res: ServerResponse, asked: Asked, s: OAuthProxySettings, cookies: string[] = []): Promise<void> {
    const provider = await this.#provider(s).catch((err: Error) => err);
    if (provider instanceof Error) {
      this.log.warn({ err: provider, issuer: s.idpIssuer }, 'OAuth proxy: the identity provider could not be reached');
      return page(res, 502, 'Sign-in unavailable', `The identity provider could not be reached: ${provider.message}`);
    }
    const verifier = oidc.randomPKCECodeVerifier();
    const state = await this.#seal(s).seal('state', { ...asked, v: verifier }, AUTHORIZE_TTL_S);
    const url = oidc.buildAuthorizationUrl(provider, {
      ...s.proxy.authorizationParams,
      redirect_uri: this.#callbackUrl(s),
      // Client scopes are the provider's to grant, or, with `provider`, the proxy's own (in its tokens).
      scope: [...s.proxy.scopes, ...(asked.sc && !s.proxy.provider ? asked.sc.split(' ') : [])].join(' '),
      state,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    res.writeHead(303, { location: url.href, ...(cookies.length > 0 && { 'set-cookie': cookies }), 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
    res.end();
  }

  /** Where approvals are remembered (undefined: `rememberConsentDays: 0`, the page every time). */
  #consentMemory(s: OAuthProxySettings): ConsentMemory | undefined {
    const days = s.proxy.rememberConsentDays ?? REMEMBER_CONSENT_DAYS;
    return days > 0 ? new ConsentMemory(this.#seal(s), days, new URL(s.resource).protocol === 'https:') : undefined;
  }

  /** The provider sent the browser back: on to the client, with a code that carries the provider's. */
  async #providerAnswered(req: IncomingMessage, res: ServerResponse, s: OAuthProxySettings): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const q = url.searchParams;
    const state = q.get('state');
    const asked = await this.#seal(s).open<Asked & { v: string }>('state', state);
    if (!asked) return page(res, 400, 'Sign-in not found', 'This sign-in ran out or did not start here. Start again from your MCP client.');
    const error = q.get('error');
    if (error || !q.get('code')) {
      this.log.warn({ client: asked.name, error: error ?? 'no code' }, 'OAuth proxy: the identity provider refused a sign-in');
      this.#told('sign-in', asked, { refused: `the identity provider answered ${error ?? 'without a code'}` });
      const known = error === 'access_denied' || error === 'temporarily_unavailable' ? error : 'server_error';
      return this.#redirect(res, asked.ru, { error: known, error_description: `the identity provider answered ${error ?? 'without a code'}`, ...(asked.st && { state: asked.st }) }, s);
    }
    // The provider's answer as it came (its code, and `iss` to check), less the state this code stands in for.
    q.delete('state');
    const code = await this.#seal(s).seal('code', { cid: asked.cid, ru: asked.ru, ch: asked.ch, v: asked.v, back: url.search, ...(asked.name && { name: asked.name }), ...(asked.sc && { sc: asked.sc }) }, CODE_TTL_S);
    this.log.info({ client: asked.name }, 'OAuth proxy: a person signed in for a client');
    return this.#redirect(res, asked.ru, { code, ...(asked.st && { state: asked.st }) }, s);
  }

  #told(kind: OAuthProxyEvent['kind'], asked: Pick<Asked, 'ru' | 'name'>, outcome: Pick<OAuthProxyEvent, 'subject' | 'refused' | 'remembered'>): void {
    this.onEvent({ kind, client: asked.name ?? 'an unnamed client', redirectUri: asked.ru, ...outcome, at: Date.now() });
  }

  #redirect(res: ServerResponse, to: string, params: Record<string, string>, s: { resource: string }, cookie?: string): void {
    const url = new URL(to);
    for (const [k, v] of Object.entries({ ...params, iss: OAuthProxy.issuerOf(s.resource) })) url.searchParams.set(k, v);
    res.writeHead(303, { location: url.href, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer', ...(cookie && { 'set-cookie': cookie }) });
    res.end();
  }

  #callbackUrl(s: OAuthProxySettings): string {
    return `${OAuthProxy.issuerOf(s.resource)}${IDP_CALLBACK_PATH}`;
  }

  #provider(s: OAuthProxySettings): Promise<oidc.Configuration> {
    return this.#idp.configuration(OAuthProxy.providerClient(s));
  }

  /** The proxy as the identity provider's client: its issuer (or endpoints), client id and proof. */
  static providerClient(s: OAuthProxySettings): ProviderClient {
    const { clientId, clientSecret, provider: p, privateKeyFile, signingAlg, keyId, certificateFile } = s.proxy;
    const endpoints = p?.authorizationUrl && p.tokenUrl ? { authorizationUrl: p.authorizationUrl, tokenUrl: p.tokenUrl, ...(p.userinfoUrl && { userinfoUrl: p.userinfoUrl }), ...(p.revocationUrl && { revocationUrl: p.revocationUrl }) } : undefined;
    return { issuer: s.idpIssuer, clientId, clientSecret, privateKeyFile, signingAlg, keyId, certificateFile, ...(endpoints && { endpoints }) };
  }

  /** The client `clientId` names: registered here (sealed), or described by the document at its URL. */
  async #client(clientId: string | null, s: OAuthProxySettings): Promise<{ client: ProxyClient } | { problem: string }> {
    if (isClientIdUrl(clientId)) {
      const documents = this.#documentsOf(s);
      if (!documents) return { problem: 'this server takes registered clients only (client metadata documents are off): register the client' };
      const described = await documents.describe(clientId);
      if ('problem' in described) this.log.warn({ clientId, problem: described.problem }, 'OAuth proxy: a client metadata document was refused');
      return described;
    }
    const client = await this.#seal(s).open<ProxyClient>('client', clientId);
    return client ? { client } : { problem: 'This MCP client is not registered here (or was registered with another key): register it again.' };
  }

  #documentsOf(s: OAuthProxySettings): ClientMetadataDocuments | undefined {
    if (this.#documents?.settings !== s.proxy) {
      const on = s.proxy.clientMetadataDocuments ?? true;
      this.#documents = { settings: s.proxy, documents: on === false ? undefined : new ClientMetadataDocuments(on === true ? {} : on) };
    }
    return this.#documents.documents;
  }

  #seal(s: OAuthProxySettings): Sealer {
    if (this.#sealer?.settings !== s.proxy) this.#sealer = { settings: s.proxy, sealer: new Sealer(s.proxy.key, s.proxy.previousKeys) };
    return this.#sealer.sealer;
  }
}

/** One cookie per consent page, so two opened side by side in one browser do not overwrite each other. */
const cookieName = (request: string) => `mcplex-consent-${sha256(request).slice(0, 16)}`;
