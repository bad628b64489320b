// The gateway file's `oauth:` section: where the grants the gateway obtains from upstream servers' authorization
// servers are kept (servers.<name>.auth.oauth, docs/upstream-auth.md), and the URL browsers come back to after an
// authorization. Registered in schema.ts/validate.ts.
import { z } from 'zod';
import { isLoopback } from '../../core/index.js';
import type { Issue } from './errors.js';
import { type ClientKeyFields, clientKeyProblem, clientKeyShape } from './client-key.js';
import { unknownKeyMessage } from './hints.js';
import { MIN_SECRET_LENGTH } from '../../stores/sealed-secret-store.js';
import { redisConnectionSchema } from './redis.js';

export const OAUTH_STORES = ['file', 'memory', 'redis'] as const;

/** The OpenID Connect provider a JWT caller signs in at to confirm a link (the one their tokens come from). */
export interface ConfirmSignIn extends ClientKeyFields {
  issuer: string;
  clientId: string;
}

/**
 * How a per-caller authorization link confirms, in the browser, that whoever opened it is its caller: by the API
 * key an API-key caller authenticates with, by a sign-in for a JWT caller (`apiKey: apiKey` in YAML is `{ apiKey: true }`).
 */
export interface ConfirmCaller {
  apiKey?: true;
  oidc?: ConfirmSignIn;
}

export interface OAuthConfig {
  /** file (default): kept across restarts in `file`; memory: gone with the process; redis: shared by replicas. */
  store: (typeof OAUTH_STORES)[number];
  /** The grants file (0600), relative to the working directory; default mcplex-oauth.json. */
  file: string;
  /** With store: redis. */
  redis?: { url: string; keyPrefix: string };
  /** Where an authorization server sends the browser back (the gateway serves this path); absent: from `listen`. */
  callbackUrl?: string;
  /**
   * The https URL of the gateway's Client ID Metadata Document (the gateway serves it at this path): its client id at
   * authorization servers that take a URL as one, instead of registering there; absent: it registers.
   */
  clientMetadataUrl?: string;
  /** A secret (≥ 32 characters, from the environment): grants are kept sealed with it (AES-256-GCM). */
  encryptionKey?: string;
  /** Secrets grants were sealed with before `encryptionKey` (rotation): they still open them. */
  previousEncryptionKeys?: string[];
  /** Open the gateway's own authorizations in the desktop's browser; absent: yes over `--stdio`, no over HTTP. */
  openBrowser?: boolean;
  /** Per-caller links confirm who opened them before going on (served over HTTP); absent: they do not. */
  confirmCaller?: ConfirmCaller;
}

export const OAUTH_DEFAULTS = { store: 'file', file: 'mcplex-oauth.json' } as const;
export const OAUTH_CALLBACK_PATH = '/oauth/callback';

const SECRET_HINT = `expected a secret of at least ${MIN_SECRET_LENGTH} characters from the environment (e.g. \${MCPLEX_OAUTH_KEY}; make one with: openssl rand -base64 32)`;
const secret = z.string({ error: SECRET_HINT }).min(MIN_SECRET_LENGTH, { error: SECRET_HINT });

const CIMD_HINT = 'expected the https URL (with a path) the gateway\'s client metadata document is reached at, e.g. https://mcp.example.com/oauth/client-metadata.json';
/** A plain-HTTP URL on this machine (a development authorization server). */
const localUrl = (v: string) => new URL(v).protocol === 'http:' && isLoopback(new URL(v).hostname);
const ISSUER_HINT = 'expected the identity provider\'s issuer URL (https, or http on this machine), e.g. https://auth.example.com';
const oidcShape = {
  issuer: z.string({ error: ISSUER_HINT }).refine((v) => URL.canParse(v) && (new URL(v).protocol === 'https:' || localUrl(v)), { error: ISSUER_HINT }),
  clientId: z.string({ error: 'expected the client id the gateway is registered with at the identity provider' }).min(1),
  clientSecret: z.string({ error: `expected the client's secret (from the environment, e.g. \${MCPLEX_OIDC_SECRET})` }).min(1).optional(),
  ...clientKeyShape,
};
const CONFIRM_HINT = 'expected apiKey, or a mapping with apiKey: true and/or oidc: { issuer, clientId, clientSecret }';
const confirmShape = {
  apiKey: z.literal(true, { error: 'expected true (API-key callers confirm a link with their key)' }).optional(),
  oidc: z
    .strictObject(oidcShape, { error: (iss) => (iss.code === 'unrecognized_keys' ? iss.keys.map((k) => unknownKeyMessage(k, Object.keys(oidcShape))).join('\n') : 'expected a mapping with issuer, clientId and clientSecret (or privateKeyFile)') })
    .superRefine((o, ctx) => {
      const problem = clientKeyProblem(o);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
};
const confirmCallerSchema = z.preprocess(
  (v) => (v === 'apiKey' ? { apiKey: true } : v),
  z
    .strictObject(confirmShape, { error: (iss) => (iss.code === 'unrecognized_keys' ? iss.keys.map((k) => unknownKeyMessage(k, Object.keys(confirmShape))).join('\n') : CONFIRM_HINT) })
    .refine((c) => c.apiKey !== undefined || c.oidc !== undefined, { error: CONFIRM_HINT }),
);

const shape = {
  store: z.enum(OAUTH_STORES, { error: `expected one of ${OAUTH_STORES.join(', ')}` }).optional(),
  file: z.string({ error: 'expected a file path (e.g. mcplex-oauth.json)' }).min(1, { error: 'expected a file path (e.g. mcplex-oauth.json)' }).optional(),
  redis: redisConnectionSchema.optional(),
  callbackUrl: z
    .string({ error: 'expected the http(s) URL browsers reach the gateway at, e.g. https://mcp.example.com/oauth/callback' })
    .refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol), { error: 'expected an http(s) URL, e.g. https://mcp.example.com/oauth/callback' })
    .optional(),
  clientMetadataUrl: z
    .string({ error: CIMD_HINT })
    .refine((v) => URL.canParse(v) && new URL(v).protocol === 'https:' && new URL(v).pathname !== '/' && !v.includes('#'), { error: CIMD_HINT })
    .optional(),
  encryptionKey: secret.optional(),
  previousEncryptionKeys: z.array(secret, { error: 'expected a list of the secrets grants were sealed with before' }).optional(),
  openBrowser: z.boolean({ error: "expected true or false (open the gateway's authorizations in the desktop's browser)" }).optional(),
  confirmCaller: confirmCallerSchema.optional(),
};

export const oauthSchema = z.preprocess(
  (v) => (v === null || v === true ? {} : v),
  z.strictObject(shape, {
    error: (iss) =>
      iss.code === 'unrecognized_keys' ? iss.keys.map((k) => unknownKeyMessage(k, Object.keys(shape))).join('\n') : 'expected a mapping with store, file, redis, callbackUrl, clientMetadataUrl, encryptionKey, previousEncryptionKeys, openBrowser and confirmCaller (or {} for the defaults)',
  }),
);

export function buildOAuth(raw: z.infer<typeof oauthSchema> | undefined): OAuthConfig {
  return {
    store: raw?.store ?? OAUTH_DEFAULTS.store,
    file: raw?.file ?? OAUTH_DEFAULTS.file,
    ...(raw?.redis && { redis: { url: raw.redis.url, keyPrefix: raw.redis.keyPrefix ?? 'mcplex:oauth:' } }),
    ...(raw?.callbackUrl && { callbackUrl: raw.callbackUrl }),
    ...(raw?.clientMetadataUrl && { clientMetadataUrl: raw.clientMetadataUrl }),
    ...(raw?.encryptionKey && { encryptionKey: raw.encryptionKey }),
    ...(raw?.previousEncryptionKeys?.length && { previousEncryptionKeys: raw.previousEncryptionKeys }),
    ...(raw?.openBrowser !== undefined && { openBrowser: raw.openBrowser }),
    ...(raw?.confirmCaller && { confirmCaller: raw.confirmCaller }),
  };
}

type Tree = Record<string, unknown>;
const isMap = (v: unknown): v is Tree => v !== null && typeof v === 'object' && !Array.isArray(v);
/** Paths the gateway serves itself (MCP, health, metrics, admin). */
const RESERVED_PATH = /^\/(mcp|healthz|readyz|metrics|admin)(\/|$)/;

/** Rules relating `oauth:` to the servers that use it, to `listen` and to `cluster` (validate.ts runs it). */
export function checkOAuth(root: Tree, serversKey: string, issues: Issue[]): void {
  const servers = isMap(root[serversKey]) ? (root[serversKey] as Tree) : {};
  const users = Object.keys(servers).filter((n) => isMap(servers[n]) && isMap((servers[n] as Tree).auth) && ((servers[n] as Tree).auth as Tree).oauth !== undefined);
  const section = isMap(root.oauth) ? root.oauth : {};
  if (section.store === 'redis' && section.redis === undefined) issues.push({ path: ['oauth', 'redis'], message: 'required with store: redis (e.g. redis: redis://127.0.0.1:6379)' });
  if (section.redis !== undefined && section.store !== 'redis') issues.push({ path: ['oauth', 'store'], message: 'redis is given: set store: redis (or remove redis)' });
  if (section.previousEncryptionKeys !== undefined && section.encryptionKey === undefined) {
    issues.push({ path: ['oauth', 'encryptionKey'], message: 'required with previousEncryptionKeys: the secret grants are sealed with from now on' });
  }
  const auth = isMap(root.auth) ? root.auth : {};
  const confirm = section.confirmCaller;
  const byKey = confirm === 'apiKey' || (isMap(confirm) && confirm.apiKey === true);
  if (byKey && auth.apiKeys === undefined) {
    issues.push({ path: ['oauth', 'confirmCaller'], message: 'apiKey confirms callers by the API key they authenticate with: configure auth.apiKeys (or use oidc: { issuer, clientId } with auth.jwt)' });
  }
  if (isMap(confirm) && confirm.oidc !== undefined && auth.jwt === undefined) {
    issues.push({ path: ['oauth', 'confirmCaller', 'oidc'], message: 'oidc confirms callers by a sign-in at the identity provider their JWTs come from: configure auth.jwt (or use confirmCaller: apiKey with auth.apiKeys)' });
  }
  const pathOf = (v: unknown) => (typeof v === 'string' && URL.canParse(v) ? new URL(v).pathname : undefined);
  const documentPath = pathOf(section.clientMetadataUrl);
  if (documentPath !== undefined && (documentPath === (pathOf(section.callbackUrl) ?? OAUTH_CALLBACK_PATH) || RESERVED_PATH.test(documentPath))) {
    issues.push({ path: ['oauth', 'clientMetadataUrl'], message: `the gateway serves something else at ${documentPath}: choose another path, e.g. https://mcp.example.com/oauth/client-metadata.json` });
  }
  if (users.length === 0) return;
  if (root.cluster !== undefined && section.store !== 'redis') {
    issues.push({ path: ['oauth', 'store'], message: `with cluster:, every replica must see the grants of ${users.join(', ')}: use store: redis` });
  }
  const host = isMap(root.listen) && typeof root.listen.host === 'string' ? root.listen.host : '127.0.0.1';
  if (section.callbackUrl === undefined && !isLoopback(host)) {
    issues.push({ path: ['oauth', 'callbackUrl'], message: `required when listen.host is ${host} (${users.join(', ')} use OAuth): the URL browsers reach the gateway at, e.g. https://mcp.example.com/oauth/callback` });
  }
}
