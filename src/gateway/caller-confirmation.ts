// `oauth.confirmCaller`: a per-caller authorization link (`servers.<n>.auth.oauth.perCaller`) first makes the browser
// that opens it prove it is the caller the link was made for, and only the browser that did may complete it. Without
// it, whoever approves a link gives their account to its caller: a caller could send their link to someone else.
//   GET  <confirm path>?state=S       the link a caller is given: asks for their API key (apiKey), or signs them in at
//                                     the identity provider their JWTs come from (oidc); then on to the authorization
//                                     server, with a cookie that the callback requires
//   GET  <confirm path>?code&state    the identity provider's answer (oidc)
//   POST <confirm path>/key           the API key form (apiKey)
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as oidc from 'openid-client';
import { PENDING_TTL_MS, type PendingAuthorization, pendingAuthorization } from '../client/oauth-grant-records.js';
import { ErrorCode, type Logger, type SecretStore, sha256 } from '../core/index.js';
import { ApiKeys } from '../middleware/auth/api-keys.js';
import type { AuditEvent } from '../middleware/audit.js';
import { cookiesOf, escapeHtml, type HttpRoute, IdentityProvider, page, postedFromOwnPage, readCapped } from '../server/index.js';
import type { GatewayConfig } from './config/index.js';
import type { ConfirmSignIn } from './config/oauth.js';
import { principalKeyOf } from './isolation/router.js';

/** The largest API key form accepted (a key is ≈ 50 characters). */
const MAX_FORM_BYTES = 4096;

const confirmedKey = (state: string) => `oauth:confirmed:${state}`;
const signingInKey = (login: string) => `oauth:confirming:${login}`;
/** One cookie per authorization, so two started side by side in one browser do not overwrite each other. */
const cookieName = (state: string) => `mcplex-oauth-${sha256(state).slice(0, 16)}`;

interface SigningIn {
  state: string;
  verifier: string;
  nonce: string;
}

export interface ConfirmationOptions {
  config: () => GatewayConfig;
  store: () => SecretStore;
  log: Logger;
  /** The callback's URL: the confirmation is served beside it, and its cookie is sent to it. */
  callbackUrl: () => string;
  /** Each confirmation, and each refusal, is recorded as the act of the caller the link was made for. */
  audit: (event: AuditEvent) => void;
  principalOf: (key: string) => AuditEvent['principal'];
}

/** The confirmation's path beside the callback's (`/oauth/callback` → `/oauth/confirm`). */
export const confirmPathOf = (callbackPath: string) => new URL('confirm', `http://gateway${callbackPath}`).pathname;

export class CallerConfirmation {
  /** The identity provider JWT callers sign in at (discovered once per issuer and client; again after a failure). */
  readonly #provider = new IdentityProvider();

  constructor(private readonly o: ConfirmationOptions) {}

  /** Whether links are confirmed now (`oauth.confirmCaller` is set). */
  get on(): boolean {
    return this.o.config().oauth?.confirmCaller !== undefined;
  }

  /** The link a caller is given for the authorization started under `state`. */
  linkFor(state: string): string {
    const url = this.#confirmUrl();
    url.search = new URLSearchParams({ state }).toString();
    return url.href;
  }

  routes(callbackPath: string): HttpRoute[] {
    const path = confirmPathOf(callbackPath);
    return [
      { method: 'GET', path, handle: (req, res) => this.#get(req, res) },
      { method: 'POST', path: `${path}/key`, handle: (req, res) => this.#postKey(req, res) },
    ];
  }

  /** The browser back at the callback for `state` is the one that confirmed who it is. */
  async confirmed(req: IncomingMessage, state: string): Promise<boolean> {
    const expected = await this.o.store().get(confirmedKey(state));
    const cookie = cookiesOf(req).get(cookieName(state));
    if (expected === undefined || cookie === undefined) return false;
    return timingSafeEqual(Buffer.from(sha256(cookie)), Buffer.from(expected));
  }

  async #get(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const q = new URL(req.url ?? '/', 'http://gateway').searchParams;
    const settings = this.o.config().oauth?.confirmCaller;
    if (!settings) return page(res, 404, 'Not found', 'Links are not confirmed on this gateway.');
    if (q.has('code') || q.has('error')) return this.#signedIn(res, q, settings.oidc);
    const state = q.get('state') ?? '';
    const pending = await this.#pending(res, state);
    if (!pending) return;
    // Each caller confirms the way they authenticate: an API key, or a sign-in where their JWTs come from.
    const { kind } = this.o.principalOf(pending.key);
    if (kind === 'apiKey' && settings.apiKey) return this.#keyForm(res, state, pending.server);
    if (kind === 'jwt' && settings.oidc) return this.#signIn(res, state, settings.oidc);
    this.o.log.warn({ upstream: pending.server, kind }, "a per-caller authorization link's caller authenticates in a way oauth.confirmCaller does not confirm");
    return page(res, 403, 'Cannot confirm who you are', `You reach mcplex with ${kind === 'jwt' ? 'a token' : kind === 'apiKey' ? 'an API key' : `${kind} authentication`}, which this gateway does not confirm in a browser (oauth.confirmCaller): ask its administrator.`);
  }

  async #pending(res: ServerResponse, state: string): Promise<PendingAuthorization | undefined> {
    const pending = state ? await pendingAuthorization(this.o.store(), state) : undefined;
    if (pending?.confirm && pending.url) return pending;
    page(res, 400, 'Authorization not found', 'This authorization link has run out or was already used. Start again from your MCP client.');
    return undefined;
  }

  #keyForm(res: ServerResponse, state: string, server: string): void {
    const action = `${this.#confirmUrl().pathname}/key`;
    const form =
      `<form method="post" action="${escapeHtml(action)}"><input type="hidden" name="state" value="${escapeHtml(state)}">` +
      `<label>API key <input type="password" name="key" autocomplete="off" required></label> <button type="submit">Continue</button></form>`;
    page(res, 200, `Authorize mcplex to use '${server}' for you`, 'First confirm it is you: enter the mcplex API key your MCP client uses (mcplex_…). It is checked here and not kept.', form);
  }

  async #postKey(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!this.o.config().oauth?.confirmCaller?.apiKey) return page(res, 404, 'Not found', 'API keys do not confirm links on this gateway.');
    // Only the gateway's own form posts here: a page elsewhere cannot submit a key it knows for someone's link.
    if (!postedFromOwnPage(req, new URL(this.o.callbackUrl()).origin)) return page(res, 403, 'Refused', "This form can only be sent from the gateway's own page.");
    const form = await readForm(req);
    if (!form) return page(res, 413, 'Refused', `The form is larger than ${MAX_FORM_BYTES} bytes.`, '', { connection: 'close' });
    const state = form.get('state') ?? '';
    const pending = await this.#pending(res, state);
    if (!pending) return;
    const keys = this.o.config().auth?.apiKeys;
    const principal = keys ? new ApiKeys(keys).verify(form.get('key') ?? '') : undefined;
    if (!principal) return this.#refuse(res, pending, 'that is not an API key of this gateway', 'That is not an API key of this gateway.');
    if (principalKeyOf(principal) !== pending.key) return this.#refuse(res, pending, `the key is ${principal.id}'s`, 'That key is not the one this link was made for.');
    return this.#confirm(res, state, pending);
  }

  async #signIn(res: ServerResponse, state: string, settings: ConfirmSignIn): Promise<void> {
    const config = await this.#provider.configuration(settings).catch((err: Error) => err);
    if (config instanceof Error) {
      this.o.log.warn({ err: config, issuer: settings.issuer }, 'the identity provider that confirms callers could not be reached');
      return page(res, 502, 'Sign-in unavailable', `The identity provider could not be reached: ${config.message}`);
    }
    const login = oidc.randomState();
    const signingIn: SigningIn = { state, verifier: oidc.randomPKCECodeVerifier(), nonce: oidc.randomNonce() };
    await this.o.store().set(signingInKey(login), JSON.stringify(signingIn), PENDING_TTL_MS);
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.#confirmUrl().href,
      scope: 'openid',
      state: login,
      nonce: signingIn.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(signingIn.verifier),
      code_challenge_method: 'S256',
    });
    res.writeHead(303, { location: url.href, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
    res.end();
  }

  async #signedIn(res: ServerResponse, q: URLSearchParams, settings: ConfirmSignIn | undefined): Promise<void> {
    if (!settings) return page(res, 400, 'Not expected', 'This gateway does not confirm links with a sign-in.');
    const login = q.get('state') ?? '';
    const raw = login ? await this.o.store().get(signingInKey(login)) : undefined;
    if (raw === undefined) return page(res, 400, 'Sign-in not found', 'This sign-in has run out or was already used. Open the link your MCP client gave you again.');
    await this.o.store().delete(signingInKey(login));
    const signingIn = JSON.parse(raw) as SigningIn;
    const pending = await this.#pending(res, signingIn.state);
    if (!pending) return;
    if (q.has('error')) return this.#refuse(res, pending, `the identity provider answered ${q.get('error')}`, `The sign-in was refused: ${q.get('error')}.`);
    let claims: oidc.IDToken | undefined;
    try {
      const back = this.#confirmUrl();
      back.search = q.toString();
      const tokens = await oidc.authorizationCodeGrant(await this.#provider.configuration(settings), back, { pkceCodeVerifier: signingIn.verifier, expectedState: login, expectedNonce: signingIn.nonce, idTokenExpected: true }, { redirect_uri: this.#confirmUrl().href });
      claims = tokens.claims();
    } catch (err) {
      this.o.log.warn({ err, issuer: settings.issuer }, 'a sign-in confirming a caller failed');
      return page(res, 502, 'Sign-in failed', `The sign-in could not be completed: ${(err as Error).message}`);
    }
    const who = this.#principalKeyOf(claims);
    if (who === undefined) return this.#refuse(res, pending, 'the id token does not name the caller', 'The identity provider did not say who you are.');
    if (who.key !== pending.key) return this.#refuse(res, pending, `signed in as ${who.id}`, 'You signed in as someone other than the caller this link was made for.');
    return this.#confirm(res, signingIn.state, pending);
  }

  /** The principal key a JWT caller with these claims has (`auth.jwt.claims` names the claims), as the link's. */
  #principalKeyOf(claims: oidc.IDToken | undefined): { key: string; id: string } | undefined {
    const named = this.o.config().auth?.jwt?.claims;
    const id = claims?.[named?.id ?? 'sub'];
    if (typeof id !== 'string' || id === '') return undefined;
    const tenant = named?.tenant ? claims?.[named.tenant] : undefined;
    return { id, key: principalKeyOf({ id, kind: 'jwt', ...(typeof tenant === 'string' && { tenant }) }) };
  }

  /** The browser is the link's caller: it gets the cookie the callback asks for, and goes on to the authorization server. */
  async #confirm(res: ServerResponse, state: string, pending: PendingAuthorization): Promise<void> {
    const secret = randomBytes(24).toString('base64url');
    await this.o.store().set(confirmedKey(state), sha256(secret), PENDING_TTL_MS);
    const callback = new URL(this.o.callbackUrl());
    const cookie = `${cookieName(state)}=${secret}; Path=${callback.pathname}; Max-Age=${PENDING_TTL_MS / 1000}; HttpOnly; SameSite=Lax${callback.protocol === 'https:' ? '; Secure' : ''}`;
    this.#record(pending, null);
    res.writeHead(303, { location: pending.url!, 'set-cookie': cookie, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
    res.end();
  }

  #refuse(res: ServerResponse, pending: PendingAuthorization, why: string, text: string): void {
    this.o.log.warn({ upstream: pending.server, why }, 'a per-caller authorization link was opened by someone who is not its caller; refused');
    this.#record(pending, ErrorCode.Forbidden, why);
    page(res, 403, 'Not confirmed', `${text} Open the link in the browser of the person it was made for.`);
  }

  #record(pending: PendingAuthorization, errorCode: number | null, why?: string): void {
    const now = Date.now();
    this.o.audit({ method: 'oauth/confirm', principal: this.o.principalOf(pending.key), target: pending.server, ...(why && { args: { refused: why } }), errorCode, startedAt: now, durationMs: 0 });
  }

  /** The confirmation page's URL, beside the callback's (`confirmPathOf`); also where the identity provider answers. */
  #confirmUrl(): URL {
    return new URL('confirm', this.o.callbackUrl());
  }

}

async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  const body = await readCapped(req, MAX_FORM_BYTES);
  return body && new URLSearchParams(body.toString('utf8'));
}
