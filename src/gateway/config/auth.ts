// The `auth:` section (API keys by hash, JWT, mTLS, anonymous, the stdio `local` principal) and `listen.tls`:
// their zod schemas, the rules relating them, and the validated shapes the gateway consumes.
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} in messages is the config syntax users should write
import { z } from 'zod';
import { HASH_PATTERN, type AuthOptions } from '../../middleware/auth/index.js';
import { proxyTokenCheck } from '../../server/index.js';
import { MIN_SECRET_LENGTH } from '../../stores/sealed-secret-store.js';
import { clientKeyProblem, clientKeyShape } from './client-key.js';
import type { Issue } from './errors.js';
import { unknownKeyMessage } from './hints.js';
import { type OAuthProxyConfig, oauthProxySchema } from './oauth-proxy.js';
import { rateWindow } from './policy.js';

function strict<S extends z.core.$ZodLooseShape>(shape: S, expected: string) {
  const known = Object.keys(shape);
  return z.strictObject(shape, { error: (iss) => (iss.code === 'unrecognized_keys' ? iss.keys.map((k) => unknownKeyMessage(k, known)).join('\n') : expected) });
}

const nonEmpty = (msg: string) => z.string({ error: msg }).min(1, { error: msg });
const scopes = z.preprocess((v) => (typeof v === 'string' ? v.split(' ').filter(Boolean) : v), z.array(nonEmpty('expected a scope'), { error: 'expected a list of scopes' }));
const roles = z.array(nonEmpty('expected a role name'), { error: 'expected a list of role names' });
const url = (what: string) => z.string({ error: `expected ${what} (an http(s) URL)` }).refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol), { error: `expected ${what} (an http(s) URL)` });

const principal = strict(
  { id: nonEmpty('expected the principal id (a non-empty string)'), tenant: nonEmpty('expected a tenant name').optional(), scopes: scopes.optional(), roles: roles.optional() },
  'expected a mapping with id, and optional tenant, scopes and roles',
);

const apiKeys = z
  .record(z.string(), principal, { error: 'expected a mapping of key hash (sha256:…) to principal' })
  .superRefine((m, ctx) => {
    Object.keys(m).forEach((hash, i) => {
      if (HASH_PATTERN.test(hash)) return;
      // Reported at apiKeys with the entry's position, never its text: it may be a real key pasted by mistake.
      const message = hash.startsWith('mcplex_')
        ? `entry ${i + 1} is an API key itself, not its hash: never put keys in config; paste the sha256:… line \`mcplex keys new\` printed (and replace the exposed key)`
        : `entry ${i + 1}: expected a key hash sha256:<64 hex digits> (run \`mcplex keys new\` to make a key and its hash)`;
      ctx.addIssue({ code: 'custom', path: [], message });
    });
  });

const audience = z.union([nonEmpty("expected this server's resource URL"), z.array(nonEmpty('expected a resource URL')).min(1)], {
  error: "expected this server's resource identifier (aud), e.g. https://mcp.example.com/mcp, or a list of them",
});
const claims = strict(
  { id: nonEmpty('expected a claim name').optional(), tenant: nonEmpty('expected a claim name').optional(), scopes: nonEmpty('expected a claim name').optional(), roles: nonEmpty('expected a claim name').optional() },
  'expected a mapping of id, tenant, scopes and roles to claim names',
);

const NONCE_KEY_HINT = `expected a secret of at least ${MIN_SECRET_LENGTH} characters from the environment, the same on every replica (e.g. \${MCPLEX_DPOP_NONCE_KEY}; make one with: openssl rand -base64 32)`;
const dpopNonce = strict(
  {
    key: z.string({ error: NONCE_KEY_HINT }).min(MIN_SECRET_LENGTH, { error: NONCE_KEY_HINT }).optional(),
    lifetimeSeconds: z.number({ error: 'expected seconds' }).int({ error: 'expected whole seconds' }).min(10, { error: 'expected at least 10 seconds' }).max(3600, { error: 'expected at most 3600 seconds (a nonce is taken for up to twice that)' }).optional(),
  },
  'expected a mapping with key and lifetimeSeconds',
);

const jwt = strict(
  {
    issuer: nonEmpty('expected the token issuer (iss), e.g. https://auth.example.com'),
    audience,
    jwksUrl: url('the key set URL').optional(),
    publicKey: nonEmpty('expected a PEM public key').optional(),
    secret: z.string({ error: 'expected a shared secret of at least 32 bytes' }).refine((s) => Buffer.byteLength(s) >= 32, { error: 'must be at least 32 bytes (use ${VAR} to read it from the environment)' }).optional(),
    algorithms: z.array(z.string().refine((a) => a.toLowerCase() !== 'none', { error: "'none' is never accepted" }), { error: 'expected a list of JWS algorithms (e.g. [RS256, ES256])' }).optional(),
    clockToleranceSec: z.number({ error: 'expected seconds (0-300)' }).int().min(0).max(300, { error: 'keep the skew small: at most 300 seconds' }).optional(),
    requiredScopes: scopes.optional(),
    claims: claims.optional(),
    jwksCooldownSec: z.number({ error: 'expected seconds' }).int().min(1).optional(),
    jwksCacheMaxAgeSec: z.number({ error: 'expected seconds' }).int().min(1).optional(),
    authorizationServers: z.array(url('an authorization server')).optional(),
    requireDpop: z.boolean({ error: 'expected true (DPoP-bound tokens only, RFC 9449) or false (bearer tokens too, the default)' }).optional(),
    dpopNonce: z.union([z.boolean(), dpopNonce], { error: 'expected true (DPoP proofs carry a nonce this gateway hands out, RFC 9449 §9), false, or { key, lifetimeSeconds }' }).optional(),
  },
  'expected a mapping with issuer, audience and one of jwksUrl, publicKey or secret',
);

/** Opaque access tokens, asked of the authorization server's introspection endpoint (RFC 7662). */
const introspection = strict(
  {
    issuer: url('the authorization server (its metadata names the introspection endpoint)'),
    clientId: nonEmpty("expected the gateway's client id at the authorization server (e.g. ${INTROSPECTION_CLIENT_ID})"),
    clientSecret: nonEmpty("expected the client's secret from the environment (e.g. ${INTROSPECTION_CLIENT_SECRET})").optional(),
    ...clientKeyShape,
    audience,
    requiredScopes: scopes.optional(),
    claims: claims.optional(),
    refusedCacheMs: z.number({ error: 'expected milliseconds (0: ask the server about every refused token again)' }).int({ error: 'expected whole milliseconds' }).min(0, { error: 'expected 0 or more milliseconds' }).max(300_000, { error: 'expected at most 300000 (5 minutes): a token activated later would stay refused that long' }).optional(),
  },
  'expected a mapping with issuer, clientId, clientSecret (or privateKeyFile), audience and optional requiredScopes, claims, refusedCacheMs',
).superRefine((o, ctx) => {
  const problem = o.clientSecret === undefined && o.privateKeyFile === undefined ? 'the authorization server asks who is asking: give clientSecret (e.g. ${INTROSPECTION_CLIENT_SECRET}) or privateKeyFile (private_key_jwt)' : clientKeyProblem(o);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const IDENTITY = ['cn', 'san-uri', 'san-dns', 'san-email'] as const;
const mtls = strict(
  {
    identity: z.enum(IDENTITY, { error: `expected one of ${IDENTITY.join(', ')}` }).optional(),
    principals: z.record(z.string(), principal.partial(), { error: 'expected a mapping of certificate name to principal' }).optional(),
    scopes: scopes.optional(),
    tenant: nonEmpty('expected a tenant name').optional(),
  },
  'expected a mapping with identity, principals, scopes and tenant',
);

export const authSchema = strict(
  {
    apiKeys: z.preprocess((v) => (v === null ? undefined : v), apiKeys.optional()),
    jwt: jwt.optional(),
    introspection: introspection.optional(),
    mtls: mtls.optional(),
    anonymous: z.union([z.boolean(), strict({ scopes: scopes.optional(), tenant: nonEmpty('expected a tenant name').optional() }, 'expected scopes and tenant')], { error: 'expected true, false or { scopes, tenant }' }).optional(),
    local: principal.optional(),
    resource: url("this server's public URL").optional(),
    realm: nonEmpty('expected a realm name').optional(),
    oauthProxy: oauthProxySchema.optional(),
    refusalLimit: z.union([z.literal(false), rateWindow], { error: 'expected { limit, windowMs } (refused credentials per client address) or false' }).optional(),
  },
  'expected a mapping with apiKeys, jwt, introspection, mtls, anonymous, local, resource, realm, oauthProxy and/or refusalLimit',
);

export const tlsSchema = strict(
  {
    cert: nonEmpty('expected the path of the PEM certificate'),
    key: nonEmpty('expected the path of the PEM private key'),
    ca: nonEmpty('expected the path of the PEM CA that client certificates must chain to').optional(),
    requireClientCert: z.boolean({ error: 'expected true or false' }).optional(),
  },
  'expected a mapping with cert, key and optional ca, requireClientCert',
);

export type RawAuth = z.infer<typeof authSchema>;

/** The validated `auth:` section: what the edge's authenticator takes, plus the stdio principal. */
export interface AuthConfig extends AuthOptions {
  local?: { id: string; tenant?: string; scopes?: string[]; roles?: string[] };
  resource?: string;
  /** The gateway as the authorization server MCP clients sign in through, in front of `jwt`'s identity provider. */
  oauthProxy?: OAuthProxyConfig;
  /** Refused credentials per client address before its unverified ones are answered 429 (default 100 a minute). */
  refusalLimit?: { limit: number; windowMs: number } | false;
}

/** `listen.tls`: file paths, read when the gateway starts serving. */
export interface TlsConfig {
  cert: string;
  key: string;
  ca?: string;
  requireClientCert?: boolean;
}

/** The ways a caller proves who it is; with none of them (or with `anonymous`), anyone may call. */
const CREDENTIAL_METHODS = ['apiKeys', 'jwt', 'introspection', 'mtls'] as const;

/** The credential methods an `auth:` section (as written, or as built) configures; the proxy's own tokens are one. */
export function credentialMethodsOf(auth: object | undefined): string[] {
  const section = auth as Record<string, unknown> | undefined;
  const configured: string[] = CREDENTIAL_METHODS.filter((k) => section?.[k] !== undefined && section[k] !== null);
  return (section?.oauthProxy as { provider?: unknown } | undefined)?.provider ? [...new Set([...configured, 'jwt'])] : configured;
}

/** Rules between fields: the zod pass has checked each one's shape. */
export function checkAuth(root: Record<string, unknown>, issues: Issue[]): void {
  const auth = root.auth as Record<string, unknown> | undefined;
  if (!auth || typeof auth !== 'object') return;
  const jwtSection = auth.jwt as Record<string, unknown> | undefined;
  if (jwtSection && typeof jwtSection === 'object') {
    const keys = ['jwksUrl', 'publicKey', 'secret'].filter((k) => jwtSection[k] !== undefined);
    if (keys.length !== 1) issues.push({ path: ['auth', 'jwt'], message: 'give exactly one of jwksUrl, publicKey or secret (how tokens are verified)' });
    // Replicas must take each other's nonces: a random key per process would send clients round for a new one.
    const nonce = jwtSection.dpopNonce;
    if (root.cluster !== undefined && (nonce === true || (typeof nonce === 'object' && nonce !== null && (nonce as { key?: unknown }).key === undefined))) {
      issues.push({ path: ['auth', 'jwt', 'dpopNonce'], message: 'with cluster: every replica must take the nonces the others hand out: set dpopNonce: { key: ${MCPLEX_DPOP_NONCE_KEY} } (the same secret on every replica)' });
    }
  }
  const listen = root.listen as { tls?: { ca?: unknown } } | undefined;
  if (auth.mtls !== undefined && !listen?.tls?.ca) issues.push({ path: ['auth', 'mtls'], message: 'needs listen.tls with ca (the CA client certificates chain to)' });
  const signsItsOwn = (auth.oauthProxy as { provider?: unknown } | undefined)?.provider !== undefined;
  if (signsItsOwn) {
    for (const other of ['jwt', 'introspection'].filter((k) => auth[k] !== undefined)) {
      issues.push({ path: ['auth', other], message: `with oauthProxy.provider the proxy signs the tokens callers present, and checks them itself: remove auth.${other} (or oauthProxy.provider, to hand out the provider's own tokens)` });
    }
    if (auth.resource === undefined) issues.push({ path: ['auth', 'resource'], message: 'required with oauthProxy: the public URL of the MCP endpoint, e.g. https://mcp.example.com/mcp (its origin is the authorization server MCP clients see)' });
  } else if (auth.oauthProxy !== undefined) {
    if (jwtSection === undefined && auth.introspection === undefined) {
      issues.push({ path: ['auth', 'oauthProxy'], message: 'needs auth.jwt (or auth.introspection, for opaque tokens): the identity provider whose tokens callers sign in for (its issuer)' });
    }
    if (auth.resource === undefined) issues.push({ path: ['auth', 'resource'], message: 'required with oauthProxy: the public URL of the MCP endpoint, e.g. https://mcp.example.com/mcp (its origin is the authorization server MCP clients see)' });
    if (jwtSection?.requireDpop === true) issues.push({ path: ['auth', 'jwt', 'requireDpop'], message: "the OAuth proxy hands out the identity provider's bearer tokens, which requireDpop refuses: remove one of them" });
  }
  if (credentialMethodsOf(auth).length === 0 && !auth.anonymous && !auth.local) {
    issues.push({ path: ['auth'], message: 'configure at least one of apiKeys, jwt, introspection or mtls (or anonymous: true, or remove the section)' });
  }
}

/** The section as the gateway uses it. */
export function buildAuth(raw: RawAuth): AuthConfig {
  const { jwt: j, introspection: i, ...rest } = raw;
  // With the proxy, the authorization server MCP clients are told of (RFC 9728) is the gateway itself.
  const proxied = raw.oauthProxy && raw.resource ? [new URL(raw.resource).origin] : undefined;
  // With its `provider`, the proxy signs the tokens callers present: the JWT check is of those.
  const own = raw.oauthProxy?.provider && raw.resource ? proxyTokenCheck(raw.resource, raw.oauthProxy.key, raw.oauthProxy.provider) : undefined;
  return {
    ...Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)),
    ...(own && { jwt: own }),
    ...(j && { jwt: { ...j, ...(j.claims && { claims: j.claims }), ...(proxied && !j.authorizationServers && { authorizationServers: proxied }) } }),
    ...(i && { introspection: { ...i, ...(proxied && { authorizationServers: proxied }) } }),
  } as AuthConfig;
}

