// The OAuth proxy's own access tokens, for identity providers whose tokens this server cannot check: opaque ones with
// no introspection (Google's, GitHub's), or ones made for the provider's own APIs. With `oauthProxy.provider`, the
// person's identity is read from the provider's userinfo endpoint at sign-in (and at each refresh), and the proxy signs
// a short-lived JWT for this server's resource: `iss` the proxy, `aud` the resource, `sub` the person (the userinfo
// field `subject` names), the `claims` listed copied from the userinfo, `scope` what the client was approved for. The
// JWT check verifies it with a key derived from the proxy's `key` (HS256), so nothing is kept and any replica with the
// key verifies it. The provider's own tokens never reach the client.
import { hkdfSync } from 'node:crypto';
import { SignJWT } from 'jose';
import * as oidc from 'openid-client';
import type { JwtOptions } from '../../middleware/auth/jwt.js';

/** An identity provider the proxy signs its own tokens in front of. */
export interface ProxyProviderConfig {
  /** An OpenID provider, found by discovery (its endpoints, userinfo too): Google's `https://accounts.google.com`. */
  issuer?: string;
  /** Or a plain OAuth 2.0 provider's endpoints, without discovery (GitHub: https://github.com/login/oauth/authorize). */
  authorizationUrl?: string;
  /** Its token endpoint (GitHub: https://github.com/login/oauth/access_token). */
  tokenUrl?: string;
  /** Where the person's identity is read with the provider's access token; default the discovered userinfo endpoint (GitHub: https://api.github.com/user). */
  userinfoUrl?: string;
  /** Its revocation endpoint (RFC 7009), for a plain OAuth 2.0 provider that has one. */
  revocationUrl?: string;
  /** The userinfo field that names the person: the tokens' `sub`. Default `sub` (GitHub: `login`). */
  subject?: string;
  /** Userinfo fields copied into the tokens (e.g. email, name), for policies to read (the principal's claims). */
  claims?: string[];
  /** The userinfo field holding the caller's tenant (copied into the tokens too), e.g. `hd` (a Google Workspace domain). */
  tenant?: string;
  /** How long an access token the proxy signs is good, in seconds; default 3600. A refresh asks the provider again. */
  tokenLifetimeSeconds?: number;
  /**
   * Who may sign in: userinfo fields and the values each may have (all must match), e.g. `{ hd: [example.com] }` (a
   * Google Workspace domain), `{ login: [alice, bob] }` (GitHub). Checked at sign-in and at every refresh.
   */
  allow?: Record<string, Array<string | number | boolean>>;
  /** true: anyone who can sign in at the provider may call (a gateway must say so; otherwise it needs `allow`). */
  allowAnyone?: boolean;
  /**
   * GitHub: who may sign in is a member of one of these organizations (with `allow`, both must hold), read at sign-in
   * and every refresh from `organizationsUrl`; the ones they are in go in the tokens' `orgs` claim.
   */
  organizations?: string[];
  /** Where the person's organizations are listed; default `userinfoUrl` + `/orgs` (GitHub: https://api.github.com/user/orgs). */
  organizationsUrl?: string;
}

export const PROXY_TOKEN_LIFETIME_S = 3600;
/** Claims the proxy sets itself: a userinfo field of the same name is not copied over them. */
const REGISTERED = new Set(['iss', 'sub', 'aud', 'exp', 'iat', 'nbf', 'jti', 'scope']);

/** The key the proxy's access tokens are signed with, from the proxy's `key` (32 bytes, base64url: a JWT secret). */
export function proxyTokenSecret(key: string): string {
  return Buffer.from(hkdfSync('sha256', key, 'mcplex oauth proxy', 'access token HS256 v1', 32)).toString('base64url');
}

/** The JWT check for the proxy's own tokens: the JWT options of an authenticator (a gateway builds them itself). */
export function proxyTokenCheck(resource: string, key: string, provider?: Pick<ProxyProviderConfig, 'tenant'>): JwtOptions {
  const issuer = new URL(resource).origin;
  return { issuer, audience: resource, secret: proxyTokenSecret(key), algorithms: ['HS256'], authorizationServers: [issuer], ...(provider?.tenant && { claims: { tenant: provider.tenant } }) };
}

/** The person as the provider's userinfo names them. */
export interface ProviderIdentity {
  subject: string;
  claims: Record<string, unknown>;
}

/**
 * Reads the person's identity with the provider's access token. Throws an Error saying what is wrong (the token
 * refused: `refused` set; no field naming the person).
 */
export async function identityOf(config: oidc.Configuration, accessToken: string, provider: ProxyProviderConfig): Promise<ProviderIdentity> {
  const url = provider.userinfoUrl ?? config.serverMetadata().userinfo_endpoint;
  if (!url) throw new Error('the identity provider names no userinfo endpoint: set provider.userinfoUrl');
  const info = (await (await asThePerson(config, accessToken, url, 'userinfo')).json()) as Record<string, unknown>;
  if (!provider.allow && !provider.allowAnyone && !provider.organizations) throw Object.assign(new Error('this server names no one who may sign in (provider.allow or organizations, or allowAnyone: true)'), { denied: true });
  const outside = Object.entries(provider.allow ?? {}).find(([name, values]) => !values.some((v) => String(v) === String(info[name])));
  if (outside) {
    const [name, values] = outside;
    throw Object.assign(new Error(`the identity provider says ${name} is ${JSON.stringify(info[name] ?? null)}; this server takes ${values.join(', ')} only`), { denied: true });
  }
  const orgs = provider.organizations ? await organizationsOf(config, accessToken, provider) : undefined;
  const field = provider.subject ?? 'sub';
  const subject = info[field];
  if ((typeof subject !== 'string' || subject === '') && typeof subject !== 'number') throw new Error(`the identity provider's userinfo has no "${field}" naming the person (provider.subject)`);
  const copied = [...(provider.claims ?? []), ...(provider.tenant ? [provider.tenant] : [])];
  const claims = Object.fromEntries(copied.filter((c) => info[c] !== undefined && !REGISTERED.has(c)).map((c) => [c, info[c]]));
  return { subject: String(subject), claims: orgs ? { ...claims, orgs } : claims };
}

/**
 * GET `url` with the person's access token at the provider. A 401 or 403 (with a challenge or without: the token
 * revoked or expired) throws with `refused` set: the person's grant there has ended.
 */
async function asThePerson(config: oidc.Configuration, accessToken: string, url: string, what: string): Promise<Response> {
  const refused = (status: number) => Object.assign(new Error(`the identity provider's ${what} answered ${status}`), { refused: status === 401 || status === 403 });
  const response = await oidc.fetchProtectedResource(config, accessToken, new URL(url), 'GET', null, new Headers({ accept: 'application/json' })).catch((err: unknown) => {
    throw err instanceof oidc.WWWAuthenticateChallengeError ? refused(err.status) : err;
  });
  if (!response.ok) throw refused(response.status);
  return response;
}

/** Pages of organizations read at most (100 a page). */
const MAX_ORGANIZATION_PAGES = 10;

/**
 * The configured organizations the person is a member of (GitHub's `/user/orgs`, page by page as its `Link` header
 * says; logins compared without case, as GitHub does); none is a refusal (`denied`) saying why it may be so.
 */
async function organizationsOf(config: oidc.Configuration, accessToken: string, provider: ProxyProviderConfig): Promise<string[]> {
  const wanted = new Map((provider.organizations ?? []).map((o) => [o.toLowerCase(), o]));
  const found = new Set<string>();
  const first = new URL(organizationsUrlOf(provider));
  first.searchParams.set('per_page', '100');
  let next: string | undefined = first.href;
  for (let page = 0; next && page < MAX_ORGANIZATION_PAGES; page++) {
    const response = await asThePerson(config, accessToken, next, 'organizations list');
    const listed = (await response.json()) as unknown;
    if (!Array.isArray(listed)) throw new Error("the identity provider's organizations list is not a list");
    for (const org of listed as Array<{ login?: unknown }>) {
      const known = typeof org?.login === 'string' ? wanted.get(org.login.toLowerCase()) : undefined;
      if (known) found.add(known);
    }
    next = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get('link') ?? '')?.[1];
  }
  if (found.size > 0) return [...found];
  throw Object.assign(
    new Error(
      `the identity provider names this person a member of none of ${[...wanted.values()].join(', ')} (or does not show it to this app: it needs the read:org scope, and an organization that restricts OAuth apps must approve it)`,
    ),
    { denied: true },
  );
}

/** Where the person's organizations are read: `organizationsUrl`, or next to GitHub's `/user`. */
function organizationsUrlOf(provider: Pick<ProxyProviderConfig, 'organizationsUrl' | 'userinfoUrl'>): string {
  if (provider.organizationsUrl) return provider.organizationsUrl;
  if (provider.userinfoUrl) return `${provider.userinfoUrl.replace(/\/+$/, '')}/orgs`;
  throw new Error('provider.organizations needs provider.organizationsUrl (or userinfoUrl, GitHub\'s https://api.github.com/user)');
}

/** An access token for `identity`, for `scopes`, signed for `resource` with the proxy's `key`. */
export function signProxyToken(resource: string, key: string, identity: ProviderIdentity, scopes: string[], lifetimeSeconds: number): Promise<string> {
  const check = proxyTokenCheck(resource, key);
  return new SignJWT({ ...identity.claims, ...(scopes.length > 0 && { scope: scopes.join(' ') }) })
    .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
    .setIssuer(check.issuer)
    .setAudience(resource)
    .setSubject(identity.subject)
    .setIssuedAt()
    .setExpirationTime(`${lifetimeSeconds}s`)
    .sign(Buffer.from(check.secret!, 'utf8'));
}
