// OAuth 2.1 token requests an upstream's credentials need: client credentials (RFC 6749 §4.4) and token exchange
// (RFC 8693), sent to the upstream's authorization server with client_secret_basic. Error text never quotes a secret.
import { ErrorCode, WireError } from '../core/index.js';

export interface TokenEndpoint {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scopes?: string[];
  /** RFC 8693 `audience`: the logical name of the upstream the token is for. */
  audience?: string;
  /** RFC 8707 `resource`: the upstream's URL, so the token is bound to it. */
  resource?: string;
}

/** A token the authorization server issued, and when it stops being good (epoch ms; Infinity when it did not say). */
export interface IssuedToken {
  accessToken: string;
  expiresAt: number;
}

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
/** How long a token that came without `expires_in` is used before asking again. */
const DEFAULT_LIFETIME_MS = 300_000;
const TIMEOUT_MS = 10_000;

/** RFC 6749 §2.3.1: the id and secret are form-encoded before they are joined for Basic. */
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

async function requestToken(endpoint: TokenEndpoint, form: Record<string, string>, what: string): Promise<IssuedToken> {
  const body = new URLSearchParams(form);
  if (endpoint.scopes?.length) body.set('scope', endpoint.scopes.join(' '));
  if (endpoint.audience) body.set('audience', endpoint.audience);
  if (endpoint.resource) body.set('resource', endpoint.resource);
  const fail = (why: string) => new WireError(ErrorCode.UpstreamUnavailable, `${what} at ${new URL(endpoint.tokenUrl).origin} failed: ${why}`);
  let res: Response;
  try {
    res = await fetch(endpoint.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', authorization: basic(endpoint.clientId, endpoint.clientSecret) },
      body,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (err) {
    throw fail(err instanceof Error && err.name === 'TimeoutError' ? 'no answer in time' : 'cannot reach the token endpoint');
  }
  const json = (await res.json().catch(() => undefined)) as Record<string, unknown> | undefined;
  if (!res.ok || typeof json?.access_token !== 'string') {
    // The server's error code and description are meant for the client; they hold no secret of ours.
    const code = typeof json?.error === 'string' ? json.error.slice(0, 64) : `HTTP ${res.status}`;
    const description = typeof json?.error_description === 'string' ? ` (${json.error_description.slice(0, 200)})` : '';
    throw fail(res.ok ? 'the answer has no access_token' : `${code}${description}`);
  }
  const lifetime = typeof json.expires_in === 'number' && json.expires_in > 0 ? json.expires_in * 1000 : DEFAULT_LIFETIME_MS;
  return { accessToken: json.access_token, expiresAt: Date.now() + lifetime };
}

/** A token for the gateway itself (client credentials grant). */
export function clientCredentialsToken(endpoint: TokenEndpoint): Promise<IssuedToken> {
  return requestToken(endpoint, { grant_type: 'client_credentials' }, 'OAuth client credentials grant');
}

/** A token for the upstream on behalf of the caller, in exchange for the caller's verified token (RFC 8693). */
export function exchangeToken(endpoint: TokenEndpoint, subjectToken: string): Promise<IssuedToken> {
  const form = { grant_type: TOKEN_EXCHANGE, subject_token: subjectToken, subject_token_type: ACCESS_TOKEN_TYPE, requested_token_type: ACCESS_TOKEN_TYPE };
  return requestToken(endpoint, form, 'OAuth token exchange');
}
