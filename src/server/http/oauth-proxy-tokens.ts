// The OAuth proxy's token endpoints: `POST /oauth/token` (authorization code with PKCE S256, refresh token) hands a
// client the identity provider's tokens, its refresh token sealed for that client, or, with `provider`, tokens the
// proxy signs itself (proxy-tokens.ts); `POST /oauth/revoke` (RFC 7009) revokes what a client lets go of at the
// provider. Nothing is kept: what a refresh token stands for is sealed in it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as oidc from 'openid-client';
import type { Logger } from '../../core/index.js';
import { readCapped } from './body.js';
import type { OAuthProxyEvent, OAuthProxySettings } from './oauth-proxy.js';
import { type Asked, basicUser, MAX_FORM_BYTES, nameOf, oauthError, otherResource, type ProxyClient, s256 } from './oauth-proxy-parts.js';
import { identityOf, PROXY_TOKEN_LIFETIME_S, signProxyToken } from './proxy-tokens.js';
import { sendJson } from './respond.js';
import type { Sealer } from './sealed-values.js';

/**
 * What a refresh token the proxy hands out seals: the client it is for, the provider's refresh token (or, with
 * `provider` and none given, the provider's access token), and the client scopes approved.
 */
interface HeldGrant {
  cid: string;
  rt?: string;
  at?: string;
  sc?: string;
}

/** What the endpoints take from the proxy: its sealing, the clients it knows, its provider, its audit events. */
export interface ProxyParts {
  log: Logger;
  seal(s: OAuthProxySettings): Sealer;
  client(clientId: string | null, s: OAuthProxySettings): Promise<{ client: ProxyClient } | { problem: string }>;
  provider(s: OAuthProxySettings): Promise<oidc.Configuration>;
  callbackUrl(s: OAuthProxySettings): string;
  told(kind: OAuthProxyEvent['kind'], asked: Pick<Asked, 'ru' | 'name'>, outcome: Pick<OAuthProxyEvent, 'subject' | 'refused' | 'remembered'>): void;
  event(event: OAuthProxyEvent): void;
}

export class ProxyTokenEndpoints {
  constructor(private readonly parts: ProxyParts) {}

  async token(req: IncomingMessage, res: ServerResponse, s: OAuthProxySettings): Promise<void> {
    const body = await readCapped(req, MAX_FORM_BYTES);
    if (!body) return oauthError(res, 413, 'invalid_request', `the request is larger than ${MAX_FORM_BYTES} bytes`);
    const form = new URLSearchParams(body.toString('utf8'));
    const clientId = form.get('client_id') ?? basicUser(req.headers.authorization);
    const sealer = this.parts.seal(s);
    const known = await this.parts.client(clientId, s);
    if ('problem' in known) return oauthError(res, 401, 'invalid_client', known.problem);
    const grant = form.get('grant_type');
    if (otherResource(form.get('resource'), s)) return oauthError(res, 400, 'invalid_target', `the resource here is ${s.resource}`);
    /** What the client gets: the provider's tokens (its refresh token sealed), or, with `provider`, the proxy's own. */
    let answer: Record<string, unknown>;
    try {
      if (grant === 'authorization_code') {
        const code = await sealer.open<Asked & { v: string; back: string }>('code', form.get('code'));
        if (!code || code.cid !== clientId) return oauthError(res, 400, 'invalid_grant', 'the code is not valid (or ran out, or is another client\'s)');
        if (form.get('redirect_uri') !== null && form.get('redirect_uri') !== code.ru) return oauthError(res, 400, 'invalid_grant', 'redirect_uri differs from the authorization request\'s');
        const verifier = form.get('code_verifier');
        if (!verifier || s256(verifier) !== code.ch) return oauthError(res, 400, 'invalid_grant', 'code_verifier does not match the code_challenge');
        const granted = await oidc.authorizationCodeGrant(await this.parts.provider(s), new URL(`${this.parts.callbackUrl(s)}${code.back}`), { pkceCodeVerifier: code.v, expectedState: oidc.skipStateCheck });
        const held: HeldGrant = { cid: clientId!, ...(code.sc && { sc: code.sc }), ...(granted.refresh_token && { rt: granted.refresh_token }) };
        if (s.proxy.provider) {
          const signed = await this.#signed(s, granted, held).catch((err: Error & { denied?: boolean }) => {
            if (err.denied) this.parts.told('sign-in', code, { refused: err.message });
            throw err;
          });
          this.parts.told('sign-in', code, { subject: signed.subject });
          answer = signed.answer;
        } else {
          const subject = granted.claims()?.sub;
          this.parts.told('sign-in', code, subject === undefined ? {} : { subject });
          answer = await this.#passedOn(s, granted, held);
        }
      } else if (grant === 'refresh_token') {
        const held = await sealer.open<HeldGrant>('refresh', form.get('refresh_token'));
        if (!held || held.cid !== clientId) return oauthError(res, 400, 'invalid_grant', 'the refresh token is not valid (or is another client\'s)');
        // One the proxy gave out signing its own tokens, presented since it hands out the provider's: sign in again.
        if (held.rt === undefined && !s.proxy.provider) return oauthError(res, 400, 'invalid_grant', 'the refresh token is not valid here any more: sign in again');
        // A provider that gave no refresh token (GitHub's OAuth apps): its access token, held, is asked about again.
        const tokens: oidc.TokenEndpointResponse = held.rt === undefined ? { access_token: held.at ?? '', token_type: 'bearer' } : await oidc.refreshTokenGrant(await this.parts.provider(s), held.rt);
        const kept: HeldGrant = { ...held, ...(tokens.refresh_token && { rt: tokens.refresh_token }) };
        answer = s.proxy.provider ? (await this.#signed(s, tokens, kept)).answer : await this.#passedOn(s, tokens, kept);
      } else {
        return oauthError(res, 400, 'unsupported_grant_type', 'authorization_code or refresh_token');
      }
    } catch (err) {
      const answered = oauthErrorOf(err);
      if (answered) return oauthError(res, 400, answered.error === 'invalid_grant' || answered.error === 'bad_verification_code' ? 'invalid_grant' : 'invalid_request', `the identity provider answered ${answered.error}${answered.error_description ? `: ${answered.error_description}` : ''}`);
      if ((err as { refused?: boolean }).refused) return oauthError(res, 400, 'invalid_grant', `${(err as Error).message}: the person's grant there has ended`);
      if ((err as { denied?: boolean }).denied) {
        this.parts.log.warn({ grant, problem: (err as Error).message }, 'OAuth proxy: a person the server does not take signed in at the identity provider');
        return oauthError(res, 400, 'invalid_grant', (err as Error).message);
      }
      this.parts.log.warn({ err, grant }, 'OAuth proxy: the identity provider failed');
      return oauthError(res, 503, 'temporarily_unavailable', `the identity provider ${failure(err)}`);
    }
    sendJson(res, 200, answer, { 'cache-control': 'no-store', pragma: 'no-cache' });
  }

  /** The provider's tokens as the client gets them: its access token as it is, its refresh token sealed for the client. */
  async #passedOn(s: OAuthProxySettings, tokens: oidc.TokenEndpointResponse, held: HeldGrant): Promise<Record<string, unknown>> {
    const rt = tokens.refresh_token ?? held.rt;
    return {
      access_token: tokens.access_token,
      token_type: tokens.token_type,
      ...(tokens.expires_in !== undefined && { expires_in: tokens.expires_in }),
      ...(tokens.scope !== undefined && { scope: tokens.scope }),
      ...(rt && { refresh_token: await this.parts.seal(s).seal('refresh', { rt, cid: held.cid }) }),
    };
  }

  /**
   * With `provider`: the person read from the provider's userinfo with its access token, and the proxy's own token
   * for them (the client scopes approved); the refresh token seals the provider's refresh token, or its access token
   * when it gave none, to ask the provider again at each refresh.
   */
  async #signed(s: OAuthProxySettings, tokens: oidc.TokenEndpointResponse, held: HeldGrant): Promise<{ subject: string; answer: Record<string, unknown> }> {
    const provider = s.proxy.provider!;
    const identity = await identityOf(await this.parts.provider(s), tokens.access_token, provider);
    const lifetime = provider.tokenLifetimeSeconds ?? PROXY_TOKEN_LIFETIME_S;
    const scopes = held.sc ? held.sc.split(' ') : [];
    const kept: HeldGrant = { cid: held.cid, ...(held.sc && { sc: held.sc }), ...(held.rt ? { rt: held.rt } : { at: tokens.access_token }) };
    return {
      subject: identity.subject,
      answer: {
        access_token: await signProxyToken(s.resource, s.proxy.key, identity, scopes, lifetime),
        token_type: 'Bearer',
        expires_in: lifetime,
        ...(scopes.length > 0 && { scope: scopes.join(' ') }),
        refresh_token: await this.parts.seal(s).seal('refresh', { ...kept }),
      },
    };
  }

  /**
   * RFC 7009: a refresh token the proxy handed out (sealed) is the client's own to revoke, and the provider's refresh
   * token inside it is revoked there (providers end the grant's access tokens with it); anything else is passed on as
   * an access token. The proxy keeps nothing, so it is the provider that stops taking it. 200 for a token unknown there
   * too (§2.2); `unsupported_token_type` when the provider revokes nothing.
   */
  async revoke(req: IncomingMessage, res: ServerResponse, s: OAuthProxySettings): Promise<void> {
    const body = await readCapped(req, MAX_FORM_BYTES);
    if (!body) return oauthError(res, 413, 'invalid_request', `the request is larger than ${MAX_FORM_BYTES} bytes`);
    const form = new URLSearchParams(body.toString('utf8'));
    const clientId = form.get('client_id') ?? basicUser(req.headers.authorization);
    const known = await this.parts.client(clientId, s);
    if ('problem' in known) return oauthError(res, 401, 'invalid_client', known.problem);
    const token = form.get('token');
    if (!token) return oauthError(res, 400, 'invalid_request', 'token is missing');
    const held = await this.parts.seal(s).open<HeldGrant>('refresh', token);
    if (held && held.cid !== clientId) return oauthError(res, 400, 'invalid_request', 'the token was issued to another client');
    // The proxy's own access tokens (`provider`) are checked by signature alone: nothing to revoke them at.
    if (!held && s.proxy.provider) {
      return oauthError(res, 400, 'unsupported_token_type', `this server's access tokens are good until they expire (${s.proxy.provider.tokenLifetimeSeconds ?? PROXY_TOKEN_LIFETIME_S} s): revoke the refresh token`);
    }
    const tokenType = held?.rt ? 'refresh_token' : 'access_token';
    const revoked = held ? (held.rt ?? held.at ?? '') : token;
    const told = { name: nameOf(clientId!, known.client) ?? 'an unnamed client', tokenType } as const;
    try {
      const provider = await this.parts.provider(s);
      if (!provider.serverMetadata().revocation_endpoint) return oauthError(res, 400, 'unsupported_token_type', 'the identity provider revokes no tokens (it names no revocation endpoint)');
      await oidc.tokenRevocation(provider, revoked, { token_type_hint: tokenType });
    } catch (err) {
      if (err instanceof oidc.ResponseBodyError && err.error === 'unsupported_token_type') return oauthError(res, 400, 'unsupported_token_type', `the identity provider does not revoke ${tokenType === 'refresh_token' ? 'refresh' : 'access'} tokens`);
      const problem = err instanceof oidc.ResponseBodyError ? `answered ${err.error}` : failure(err);
      this.parts.log.warn({ client: told.name, tokenType, problem }, 'OAuth proxy: a revocation at the identity provider failed');
      this.parts.event({ kind: 'revocation', client: told.name, tokenType, refused: `the identity provider ${problem}`, at: Date.now() });
      return oauthError(res, 503, 'temporarily_unavailable', `the identity provider ${problem}`);
    }
    this.parts.log.info({ client: told.name, tokenType }, 'OAuth proxy: a client revoked a token');
    this.parts.event({ kind: 'revocation', client: told.name, tokenType, at: Date.now() });
    res.writeHead(200, { 'cache-control': 'no-store', pragma: 'no-cache' }).end();
  }
}

/** How a request to the identity provider failed: unreachable (fetch's TypeError), or an answer that could not be used. */
const failure = (err: unknown) => (err instanceof TypeError ? `could not be reached: ${err.message}` : `answered in a way that could not be used: ${(err as Error).message}`);

/**
 * The OAuth error the provider's token endpoint answered: with an error status, or (GitHub's) with 200 and the error
 * in the body, which openid-client reads as a token response without a token.
 */
function oauthErrorOf(err: unknown): { error: string; error_description?: string | undefined } | undefined {
  if (err instanceof oidc.ResponseBodyError) return err;
  // openid-client's error, caused by oauth4webapi's, caused by the body it could not use.
  for (let e = err as { cause?: unknown; body?: { error?: unknown; error_description?: unknown } } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    const body = e.body;
    if (typeof body?.error === 'string') return { error: body.error, ...(typeof body.error_description === 'string' && { error_description: body.error_description }) };
  }
  return undefined;
}
