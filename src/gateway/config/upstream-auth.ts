// Per-server upstream credentials and isolation in the gateway file: `isolation`, `instances`, `forwardHeaders`,
// `auth` (OAuth client credentials, RFC 8693 token exchange, an OAuth authorization the gateway holds or one per
// caller) and `identity` (signed claims): schema, rules, defaults.
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} in plain strings is the config syntax the messages teach
import { z } from 'zod';
import type { TokenEndpoint, WorkloadTokenEndpoint } from '../../client/oauth-token.js';
import type { Issue, PathSegment } from './errors.js';
import { signingAlg } from './client-key.js';
import { unknownKeyMessage } from './hints.js';

export const ISOLATIONS = ['shared', 'per-principal', 'per-session'] as const;
export type Isolation = (typeof ISOLATIONS)[number];

export interface InstanceLimits {
  /** Most isolated connections (children, for stdio) alive at once; default 20. */
  max: number;
  /** An isolated connection unused this long is closed; default 300 000 (5 min). */
  idleTtlMs: number;
  /** All `max` in use and a new caller comes: close the longest-idle one (default) or refuse the call. */
  whenFull: 'evict-idle' | 'refuse';
}

export interface UpstreamAuthConfig {
  /** Absent: shared, except stateful 2025-era HTTP upstreams when the gateway authenticates callers (per-principal). */
  isolation?: Isolation;
  instances?: InstanceLimits;
  /** Inbound headers that may pass to this upstream (never credentials: see NEVER_FORWARDED). */
  forwardHeaders?: string[];
  auth?: { clientCredentials?: TokenEndpoint; tokenExchange?: TokenEndpoint; oauth?: UpstreamOAuth; workloadIdentity?: WorkloadTokenEndpoint };
  identity?: { key: string; ttlSeconds: number };
}

/**
 * The upstream's own OAuth (the MCP authorization spec): the gateway is an OAuth client of the upstream's
 * authorization server, authorized by a person in a browser; the grant is kept (`oauth:` section) and refreshed.
 */
export interface UpstreamOAuth {
  /** A client registered beforehand; absent: the gateway registers itself (dynamic client registration). */
  clientId?: string;
  clientSecret?: string;
  /**
   * The issuer URL of the authorization server `clientId` is registered at: its credentials are only ever sent there
   * (an upstream naming another authorization server is refused, SEP-2352). Required with `clientSecret`.
   */
  issuer?: string;
  /** Absent: what the server's metadata says it supports. */
  scopes?: string[];
  /**
   * false: the RFC 8707 `resource` parameter is left out of authorization and token requests, for authorization
   * servers that refuse it (Microsoft Entra ID with scopes). Default true.
   */
  resourceIndicator?: boolean;
  /**
   * true: tokens bound to a key the gateway holds (DPoP, RFC 9449): each token request and each request to the
   * server carries a proof signed with it, so a token copied elsewhere is useless. For servers that accept DPoP.
   */
  dpop?: boolean;
  /**
   * How long before its access token expires a grant is refreshed, in the background (at most half the token's
   * lifetime before); default 60 000; 0: only when the server answers 401.
   */
  refreshAheadMs?: number;
  /**
   * false (default): one authorization, the gateway's, made by an administrator, serves every caller. true: each
   * caller authorizes the gateway for themselves (told where with a URL elicitation) and their calls carry their own
   * grant on a connection of their own; the gateway's own authorization still reads the server's lists.
   */
  perCaller: boolean;
}

export const INSTANCE_DEFAULTS: InstanceLimits = { max: 20, idleTtlMs: 300_000, whenFull: 'evict-idle' };

/** Credentials and headers the transport owns: never copied from a caller, whatever the allow-list says. */
export const NEVER_FORWARDED = new Set(['authorization', 'proxy-authorization', 'x-api-key', 'cookie', 'set-cookie', 'host', 'content-length', 'content-type', 'accept', 'connection', 'mcp-session-id', 'mcp-protocol-version', 'last-event-id']);
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const MIN_KEY_BYTES = 32;

function strict<S extends z.core.$ZodLooseShape>(shape: S, expected: string) {
  const known = Object.keys(shape);
  return z.strictObject(shape, { error: (iss) => (iss.code === 'unrecognized_keys' ? iss.keys.map((k) => unknownKeyMessage(k, known)).join('\n') : expected) });
}
const REFRESH_AHEAD_HINT = 'expected milliseconds before expiry (e.g. 120000), or 0 to refresh only when the server answers 401';
const toInt = (v: unknown) => (typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v);
const positive = (msg: string) => z.preprocess(toInt, z.number({ error: msg }).int({ error: msg }).min(1, { error: msg }));
const nonEmpty = (msg: string) => z.string({ error: msg }).min(1, { error: msg });
const httpUrl = z.string({ error: 'must be an http(s) URL' }).refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol), { error: 'must be an http(s) URL' });
const words = z.preprocess((v) => (typeof v === 'string' ? v.split(/\s+/).filter(Boolean) : v), z.array(nonEmpty('expected a scope'), { error: 'expected a list of scopes' }));

/** What every token request names: where, as which client, and for what (scopes, RFC 8693 audience, RFC 8707 resource). */
const tokenRequest = {
  tokenUrl: httpUrl,
  clientId: nonEmpty('expected the client id (e.g. ${UPSTREAM_CLIENT_ID})'),
  scopes: words.optional(),
  audience: nonEmpty('expected the audience (a non-empty string)').optional(),
  resource: httpUrl.optional(),
};
const clientSecret = nonEmpty('expected the client secret from the environment (e.g. ${UPSTREAM_CLIENT_SECRET})');

const endpoint = strict({ ...tokenRequest, clientSecret }, 'expected a mapping with tokenUrl, clientId, clientSecret and optional scopes, audience, resource');

/** The gateway's own credentials at the upstream's authorization server: a secret, or a private key (private_key_jwt). */
const clientCredentials = strict(
  {
    ...tokenRequest,
    clientSecret: clientSecret.optional(),
    privateKeyFile: nonEmpty('expected the file of the PEM (PKCS#8) private key the client is registered with').optional(),
    signingAlg: signingAlg.optional(),
    assertionAudience: httpUrl.optional(),
  },
  'expected a mapping with tokenUrl, clientId, clientSecret or privateKeyFile, and optional signingAlg, assertionAudience, scopes, audience, resource',
);

/** The gateway's own JWT from its platform (a projected service-account token), exchanged with the JWT-bearer grant. */
const workloadIdentity = strict(
  { ...tokenRequest, tokenFile: nonEmpty('expected the file the platform keeps the JWT in (e.g. /var/run/secrets/tokens/mcp)') },
  'expected a mapping with tokenUrl, clientId, tokenFile and optional scopes, audience, resource',
);

const oauth = z.preprocess(
  (v) => (v === null || v === true ? {} : v),
  strict(
    {
      clientId: nonEmpty('expected the client id registered at the authorization server (e.g. ${UPSTREAM_CLIENT_ID})').optional(),
      clientSecret: nonEmpty('expected the client secret from the environment (e.g. ${UPSTREAM_CLIENT_SECRET})').optional(),
      issuer: httpUrl.optional(),
      scopes: words.optional(),
      resourceIndicator: z.boolean({ error: 'expected false (leave the RFC 8707 resource parameter out, for authorization servers that refuse it) or true (the default)' }).optional(),
      dpop: z.boolean({ error: 'expected true (tokens bound to the gateway\'s key with DPoP proofs, RFC 9449) or false (bearer tokens, the default)' }).optional(),
      refreshAheadMs: z.preprocess(toInt, z.number({ error: REFRESH_AHEAD_HINT }).int({ error: REFRESH_AHEAD_HINT }).min(0, { error: REFRESH_AHEAD_HINT })).optional(),
      perCaller: z.boolean({ error: 'expected true (each caller authorizes for themselves) or false (one authorization, the gateway\'s)' }).optional(),
    },
    'expected a mapping with clientId, clientSecret, issuer, scopes, resourceIndicator, dpop, refreshAheadMs and/or perCaller (or {} to register the gateway dynamically)',
  ),
);

/** Spread into the server schema (schema.ts). */
export const upstreamAuthShape = {
  isolation: z.enum(ISOLATIONS, { error: `expected one of ${ISOLATIONS.join(', ')}` }).optional(),
  instances: strict(
    {
      max: positive('expected a positive integer').optional(),
      idleTtlMs: positive('expected a positive integer (milliseconds)').optional(),
      whenFull: z.enum(['evict-idle', 'refuse'], { error: 'expected evict-idle or refuse' }).optional(),
    },
    'expected a mapping with max, idleTtlMs and/or whenFull',
  ).optional(),
  forwardHeaders: z.array(z.string({ error: 'expected a header name' }).regex(HEADER_NAME, { error: 'not a valid HTTP header name' }), { error: 'expected a list of header names' }).optional(),
  auth: strict(
    { clientCredentials: clientCredentials.optional(), tokenExchange: endpoint.optional(), oauth: oauth.optional(), workloadIdentity: workloadIdentity.optional() },
    'expected a mapping with clientCredentials, workloadIdentity, tokenExchange and/or oauth',
  ).optional(),
  identity: strict(
    { key: z.string({ error: 'expected the signing key from the environment (e.g. ${MCPLEX_IDENTITY_KEY})' }), ttlSeconds: positive('expected a positive integer (seconds)').optional() },
    'expected a mapping with key and optional ttlSeconds',
  ).optional(),
};

type Raw = { [K in keyof typeof upstreamAuthShape]?: z.infer<(typeof upstreamAuthShape)[K]> };
type Tree = Record<string, unknown>;
const isMap = (v: unknown): v is Tree => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Rules that relate these fields to each other and to the transport (validate.ts runs it per server). */
export function checkUpstreamAuth(s: Tree, at: PathSegment[], stdio: boolean, issues: Issue[]): void {
  const push = (path: PathSegment[], message: string) => void issues.push({ path: [...at, ...path], message });
  if (Array.isArray(s.forwardHeaders)) {
    if (stdio) push(['forwardHeaders'], 'only for http/sse servers (a stdio server has no headers)');
    s.forwardHeaders.forEach((h, i) => {
      if (typeof h === 'string' && NEVER_FORWARDED.has(h.toLowerCase())) push(['forwardHeaders', i], `'${h}' is never forwarded (caller credentials and transport headers stay at the gateway); remove it`);
    });
  }
  if (isMap(s.auth)) {
    if (stdio) push(['auth'], 'only for http/sse servers (give a stdio server its secrets in env)');
    const authHeader = isMap(s.headers) && Object.keys(s.headers).some((k) => k.toLowerCase() === 'authorization');
    if (authHeader) push(['auth'], 'headers has Authorization too; give the upstream credentials in one place');
    if (s.auth.tokenExchange !== undefined && s.isolation === 'shared') {
      push(['isolation'], 'token exchange gives each caller its own token, which needs its own connection: use per-principal or per-session');
    }
    const cc = isMap(s.auth.clientCredentials) ? s.auth.clientCredentials : undefined;
    if (cc && (cc.clientSecret === undefined) === (cc.privateKeyFile === undefined)) {
      push(['auth', 'clientCredentials'], 'needs clientSecret or privateKeyFile (one of them): how the gateway proves it is the client');
    }
    if (cc && cc.privateKeyFile === undefined && (cc.signingAlg !== undefined || cc.assertionAudience !== undefined)) push(['auth', 'clientCredentials'], 'signingAlg and assertionAudience go with privateKeyFile');
    if (s.auth.workloadIdentity !== undefined && s.auth.clientCredentials !== undefined) push(['auth', 'workloadIdentity'], 'clientCredentials is given too: the gateway gets its own token one way (remove one)');
    const o = isMap(s.auth.oauth) ? s.auth.oauth : undefined;
    if (o) {
      if (s.auth.clientCredentials !== undefined) push(['auth', 'oauth'], 'clientCredentials is given too: the gateway gets its own token one way (remove one)');
      if (s.auth.workloadIdentity !== undefined) push(['auth', 'oauth'], 'workloadIdentity is given too: the gateway gets its own token one way (remove one)');
      if (s.auth.tokenExchange !== undefined) push(['auth', 'oauth'], 'tokenExchange is given too: callers get their tokens one way (remove one)');
      if (o.clientSecret !== undefined && o.clientId === undefined) push(['auth', 'oauth', 'clientSecret'], 'needs clientId (the client the secret belongs to)');
      if (o.clientSecret !== undefined && o.issuer === undefined) {
        push(['auth', 'oauth', 'clientSecret'], "needs issuer: the issuer URL of the authorization server the client is registered at, so the secret is only sent there (not wherever the server's metadata points)");
      }
      if (o.issuer !== undefined && o.clientId === undefined) push(['auth', 'oauth', 'issuer'], 'pins a client registered beforehand: give its clientId too (a client the gateway registers itself is bound to the server it registered at)');
      if (o.perCaller === true && s.isolation === 'shared') push(['isolation'], 'perCaller gives each caller a token of their own, which needs a connection of their own: use per-principal or per-session');
    }
  }
  if (isMap(s.identity) && typeof s.identity.key === 'string' && new TextEncoder().encode(s.identity.key).length < MIN_KEY_BYTES) {
    push(['identity', 'key'], `must be at least ${MIN_KEY_BYTES} bytes (e.g. from \`openssl rand -hex 32\`)`);
  }
}

/** The validated section with defaults filled in (absent keys stay absent). */
export function buildUpstreamAuth(s: Raw): UpstreamAuthConfig {
  const perCaller = s.auth?.tokenExchange !== undefined || s.auth?.oauth?.perCaller === true;
  const isolation = s.isolation ?? (perCaller ? 'per-principal' : undefined);
  return {
    ...(isolation && { isolation }),
    ...(s.instances && { instances: { ...INSTANCE_DEFAULTS, ...Object.fromEntries(Object.entries(s.instances).filter(([, v]) => v !== undefined)) } }),
    ...(s.forwardHeaders?.length && { forwardHeaders: s.forwardHeaders }),
    ...(s.auth && { auth: { ...(s.auth as UpstreamAuthConfig['auth']), ...(s.auth.oauth && { oauth: { ...s.auth.oauth, perCaller: s.auth.oauth.perCaller === true } }) } }),
    ...(s.identity && { identity: { key: s.identity.key, ttlSeconds: s.identity.ttlSeconds ?? 300 } }),
  };
}
