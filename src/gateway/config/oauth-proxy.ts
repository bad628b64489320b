// `auth.oauthProxy`: the gateway as the authorization server MCP clients register with and sign in through, in front
// of the identity provider `auth.jwt` trusts when that provider does not let clients register themselves
// (server/http/oauth-proxy.ts); or, with `provider`, in front of one whose tokens the gateway cannot check (Google,
// GitHub), signing its own. Part of the `auth:` section (auth.ts).
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} in messages is the config syntax users should write
import { isIP } from 'node:net';
import { z } from 'zod';
import { isLoopback } from '../../core/index.js';
import type { OAuthProxyConfig } from '../../server/index.js';
import { MIN_SECRET_LENGTH } from '../../stores/sealed-secret-store.js';
import { clientKeyProblem, clientKeyShape } from './client-key.js';
import { unknownKeyMessage } from './hints.js';

export type { OAuthProxyConfig };

const KEY_HINT = `expected a secret of at least ${MIN_SECRET_LENGTH} characters from the environment (e.g. \${MCPLEX_OAUTH_PROXY_KEY}; make one with: openssl rand -base64 32)`;
const nonEmpty = (msg: string) => z.string({ error: msg }).min(1, { error: msg });
/** A list of scopes, or one space-separated string of them. */
const scopeList = <T extends z.ZodType>(list: T) => z.preprocess((v) => (typeof v === 'string' ? v.split(/\s+/).filter(Boolean) : v), list);
/** An IP address, or a CIDR range of them. */
const isAddressRange = (v: string) => {
  const [ip = '', bits, more] = v.split('/');
  const family = isIP(ip);
  if (family === 0 || more !== undefined) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
};
const ADDRESS_HINT = 'expected an IP address or a CIDR range (e.g. 10.20.0.0/16) an app on your own network serves its document from';
const clientMetadataDocuments = z.union(
  [
    z.boolean(),
    z.strictObject({ allowAddresses: z.array(z.string({ error: ADDRESS_HINT }).refine(isAddressRange, { error: ADDRESS_HINT }), { error: ADDRESS_HINT }) }),
  ],
  { error: 'expected true (the default: documents on public addresses), false (registered clients only) or { allowAddresses: [...] }' },
);
/** An https URL (http on this machine only: a development provider). */
const endpoint = (what: string) => {
  const msg = `expected ${what} (an https URL; http only on 127.0.0.1 or localhost)`;
  return z.string({ error: msg }).refine((v) => URL.canParse(v) && (new URL(v).protocol === 'https:' || (new URL(v).protocol === 'http:' && isLoopback(new URL(v).hostname))), { error: msg });
};
const field = (what: string) => nonEmpty(`expected the name of a field of the provider's userinfo (${what})`);
const providerShape = {
  issuer: endpoint("the provider's issuer, found by OpenID discovery (e.g. https://accounts.google.com)").optional(),
  authorizationUrl: endpoint("the provider's authorization endpoint, for one without discovery (GitHub: https://github.com/login/oauth/authorize)").optional(),
  tokenUrl: endpoint("the provider's token endpoint (GitHub: https://github.com/login/oauth/access_token)").optional(),
  userinfoUrl: endpoint('where the person is read with the provider\'s access token (GitHub: https://api.github.com/user)').optional(),
  revocationUrl: endpoint("the provider's revocation endpoint (RFC 7009), if it has one").optional(),
  subject: field('the one naming the person: sub by default, login on GitHub, email on Google').optional(),
  tenant: field("the one holding the caller's tenant, e.g. hd (a Google Workspace domain)").optional(),
  claims: z.array(field('e.g. email'), { error: 'expected a list of userinfo fields to copy into the tokens (e.g. [email, name])' }).optional(),
  allow: z
    .record(z.string(), z.array(z.union([z.string(), z.number(), z.boolean()]), { error: 'expected a list of the values the field may have' }).min(1, { error: 'expected at least one value' }), {
      error: 'expected a mapping of userinfo field to the values it may have, e.g. { hd: [example.com] } or { login: [alice, bob] }',
    })
    .optional(),
  allowAnyone: z.boolean({ error: 'expected true (anyone who can sign in at the provider may call) or false' }).optional(),
  organizations: z.array(nonEmpty('expected an organization login'), { error: 'expected a list of GitHub organizations, one of which callers must be members of (e.g. [acme])' }).min(1, { error: 'expected at least one organization' }).optional(),
  organizationsUrl: endpoint("where the person's organizations are listed (GitHub: https://api.github.com/user/orgs, the default next to userinfoUrl)").optional(),
  tokenLifetimeSeconds: z.number({ error: 'expected seconds' }).int({ error: 'expected whole seconds' }).min(60, { error: 'expected at least 60 seconds' }).max(86_400, { error: 'expected at most 86400 seconds (a day): a refresh asks the provider again' }).optional(),
};
const provider = z
  .strictObject(providerShape, {
    error: (iss) => (iss.code === 'unrecognized_keys' ? iss.keys.map((k) => unknownKeyMessage(k, Object.keys(providerShape))).join('\n') : 'expected a mapping with issuer (OpenID discovery), or authorizationUrl, tokenUrl and userinfoUrl; allow, organizations (or allowAnyone); and optional subject, tenant, claims, revocationUrl, organizationsUrl, tokenLifetimeSeconds'),
  })
  .refine((p) => (p.issuer !== undefined) !== (p.authorizationUrl !== undefined || p.tokenUrl !== undefined), {
    error: 'give one of issuer (an OpenID provider, found by discovery: Google) or authorizationUrl and tokenUrl (a plain OAuth 2.0 provider: GitHub)',
  })
  .refine((p) => p.allow !== undefined || p.organizations !== undefined || p.allowAnyone === true, {
    error: 'say who may sign in: allow: { hd: [example.com] } (a Google Workspace domain), { login: [alice, bob] } or organizations: [acme] (GitHub), or allowAnyone: true (anyone with an account there may call this gateway)',
  })
  .refine((p) => p.organizations === undefined || p.organizationsUrl !== undefined || p.userinfoUrl !== undefined, {
    error: "organizations are read next to userinfoUrl (GitHub's https://api.github.com/user): set userinfoUrl or organizationsUrl",
  })
  .refine((p) => p.issuer !== undefined || (p.authorizationUrl !== undefined && p.tokenUrl !== undefined && p.userinfoUrl !== undefined), {
    error: 'a provider without discovery needs authorizationUrl, tokenUrl and userinfoUrl (GitHub: https://github.com/login/oauth/authorize, https://github.com/login/oauth/access_token, https://api.github.com/user)',
  });

const shape = {
  clientId: nonEmpty("expected the client id the gateway is registered with at the identity provider (e.g. ${IDP_CLIENT_ID})"),
  clientSecret: nonEmpty("expected the client's secret from the environment (e.g. ${IDP_CLIENT_SECRET})").optional(),
  ...clientKeyShape,
  scopes: scopeList(
    z.array(nonEmpty('expected a scope'), { error: 'expected the scopes to ask the identity provider for (e.g. openid offline_access api://mcplex/mcp)' }).min(1, { error: 'expected at least one scope' }),
  ),
  clientScopes: scopeList(z.array(nonEmpty('expected a scope'), { error: 'expected the scopes a client may ask for besides scopes, to step up to what a tool requires (e.g. notes:write)' })).optional(),
  authorizationParams: z.record(z.string(), z.string({ error: 'expected a string value' }), { error: 'expected a mapping of parameter name to value (e.g. audience: https://api.example.com)' }).optional(),
  key: z.string({ error: KEY_HINT }).min(MIN_SECRET_LENGTH, { error: KEY_HINT }),
  previousKeys: z.array(z.string({ error: KEY_HINT }).min(MIN_SECRET_LENGTH, { error: KEY_HINT }), { error: 'expected a list of the keys used before key' }).optional(),
  clientMetadataDocuments: clientMetadataDocuments.optional(),
  provider: provider.optional(),
  rememberConsentDays: z
    .number({ error: 'expected a number of days (0: the consent page every time)' })
    .int({ error: 'expected a whole number of days' })
    .min(0, { error: 'expected 0 or more days' })
    .max(400, { error: 'expected at most 400 days (browsers keep a cookie no longer)' })
    .optional(),
};

export const oauthProxySchema = z
  .strictObject(shape, {
  error: (iss) => (iss.code === 'unrecognized_keys' ? iss.keys.map((k) => unknownKeyMessage(k, Object.keys(shape))).join('\n') : 'expected a mapping with clientId, scopes, key and optional clientSecret or privateKeyFile (with signingAlg, keyId, certificateFile), clientScopes, authorizationParams, previousKeys, clientMetadataDocuments, provider, rememberConsentDays'),
})
  .superRefine((p, ctx) => {
    const problem = clientKeyProblem(p);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
    // GitHub shows an app the person's private memberships only with read:org; without it members would be refused.
    if (p.provider?.organizations && !p.scopes.includes('read:org')) {
      ctx.addIssue({ code: 'custom', path: ['scopes'], message: "provider.organizations needs the read:org scope (GitHub lists private memberships only to apps granted it): add read:org to scopes, e.g. 'read:user read:org'" });
    }
  });
