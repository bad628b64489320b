// OAuth 2.1 token requests an upstream's credentials need: client credentials (RFC 6749 §4.4) and token exchange
// (RFC 8693), sent to the upstream's authorization server with client_secret_basic or a JWT signed with the client's
// key (private_key_jwt, RFC 7523 §2.2), and a workload's JWT (the JWT-bearer grant, RFC 7523 §2.1: workload identity
// federation) with its client id alone. Error text never quotes a secret.
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { importPKCS8, SignJWT } from 'jose';
import { ErrorCode, WireError } from '../core/index.js';
import { JWT_BEARER_GRANT } from './workload-identity.js';

export interface TokenEndpoint {
  tokenUrl: string;
  clientId: string;
  /** The client's secret (client_secret_basic); or, for client credentials, `privateKeyFile`. */
  clientSecret?: string;
  /** A PEM (PKCS#8) private key the client proves itself with: a JWT it signs (private_key_jwt, RFC 7523 §2.2). */
  privateKeyFile?: string;
  /** Its JWS algorithm (default ES256). */
  signingAlg?: string;
  /** The `aud` of that JWT: the authorization server's issuer, or (the default) the token endpoint's URL. */
  assertionAudience?: string;
  scopes?: string[];
  /** RFC 8693 `audience`: the logical name of the upstream the token is for. */
  audience?: string;
  /** RFC 8707 `resource`: the upstream's URL, so the token is bound to it. */
  resource?: string;
}

/** Where a workload's JWT is read from (afresh for each token: platforms rotate it), for the JWT-bearer grant. */
export type WorkloadTokenEndpoint = Omit<TokenEndpoint, 'clientSecret' | 'privateKeyFile'> & { tokenFile: string };

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
  // A client without a secret names itself (a public client, RFC 6749 §2.3), and proves itself with its key if it has one.
  if (endpoint.clientSecret === undefined) body.set('client_id', endpoint.clientId);
  if (endpoint.privateKeyFile !== undefined) {
    body.set('client_assertion_type', CLIENT_ASSERTION_TYPE);
    body.set('client_assertion', await clientAssertion(endpoint, endpoint.privateKeyFile));
  }
  if (endpoint.scopes?.length) body.set('scope', endpoint.scopes.join(' '));
  if (endpoint.audience) body.set('audience', endpoint.audience);
  if (endpoint.resource) body.set('resource', endpoint.resource);
  const fail = (why: string) => new WireError(ErrorCode.UpstreamUnavailable, `${what} at ${new URL(endpoint.tokenUrl).origin} failed: ${why}`);
  let res: Response;
  try {
    res = await fetch(endpoint.tokenUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
        ...(endpoint.clientSecret !== undefined && { authorization: basic(endpoint.clientId, endpoint.clientSecret) }),
      },
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

const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** How long a client's assertion is good for. */
const ASSERTION_TTL = '5m';

/** The client's proof of itself: a short-lived JWT about itself, signed with its key, for this token endpoint. */
async function clientAssertion(endpoint: TokenEndpoint, keyFile: string): Promise<string> {
  const alg = endpoint.signingAlg ?? 'ES256';
  let key: CryptoKey;
  try {
    key = await importPKCS8(await readFile(keyFile, 'utf8'), alg);
  } catch (err) {
    throw new WireError(ErrorCode.UpstreamUnavailable, `client credentials: cannot use the key in ${keyFile} for ${alg}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return new SignJWT({})
    .setProtectedHeader({ alg })
    .setIssuer(endpoint.clientId)
    .setSubject(endpoint.clientId)
    .setAudience(endpoint.assertionAudience ?? endpoint.tokenUrl)
    .setJti(randomUUID())
    .setIssuedAt()
    .setExpirationTime(ASSERTION_TTL)
    .sign(key);
}

/** A token for the gateway itself, for the JWT its platform gave it (workload identity federation). */
export async function workloadIdentityToken(endpoint: WorkloadTokenEndpoint): Promise<IssuedToken> {
  let assertion: string;
  try {
    assertion = (await readFile(endpoint.tokenFile, 'utf8')).trim();
  } catch (err) {
    throw new WireError(ErrorCode.UpstreamUnavailable, `workload identity: cannot read ${endpoint.tokenFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return requestToken(endpoint, { grant_type: JWT_BEARER_GRANT, assertion }, 'OAuth JWT-bearer grant (workload identity)');
}

/** A token for the upstream on behalf of the caller, in exchange for the caller's verified token (RFC 8693). */
export function exchangeToken(endpoint: TokenEndpoint, subjectToken: string): Promise<IssuedToken> {
  const form = { grant_type: TOKEN_EXCHANGE, subject_token: subjectToken, subject_token_type: ACCESS_TOKEN_TYPE, requested_token_type: ACCESS_TOKEN_TYPE };
  return requestToken(endpoint, form, 'OAuth token exchange');
}
