// `auth.oauthProxy`: the gateway as the authorization server MCP clients register with and sign in through, in front
// of the identity provider `auth.jwt` trusts when that provider does not let clients register themselves
// (server/http/oauth-proxy.ts). Part of the `auth:` section (auth.ts).
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} in messages is the config syntax users should write
import { isIP } from 'node:net';
import { z } from 'zod';
import type { OAuthProxyConfig } from '../../server/index.js';
import { MIN_SECRET_LENGTH } from '../../stores/sealed-secret-store.js';
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
const shape = {
  clientId: nonEmpty("expected the client id the gateway is registered with at the identity provider (e.g. ${IDP_CLIENT_ID})"),
  clientSecret: nonEmpty("expected the client's secret from the environment (e.g. ${IDP_CLIENT_SECRET})").optional(),
  scopes: scopeList(
    z.array(nonEmpty('expected a scope'), { error: 'expected the scopes to ask the identity provider for (e.g. openid offline_access api://mcplex/mcp)' }).min(1, { error: 'expected at least one scope' }),
  ),
  clientScopes: scopeList(z.array(nonEmpty('expected a scope'), { error: 'expected the scopes a client may ask for besides scopes, to step up to what a tool requires (e.g. notes:write)' })).optional(),
  authorizationParams: z.record(z.string(), z.string({ error: 'expected a string value' }), { error: 'expected a mapping of parameter name to value (e.g. audience: https://api.example.com)' }).optional(),
  key: z.string({ error: KEY_HINT }).min(MIN_SECRET_LENGTH, { error: KEY_HINT }),
  previousKeys: z.array(z.string({ error: KEY_HINT }).min(MIN_SECRET_LENGTH, { error: KEY_HINT }), { error: 'expected a list of the keys used before key' }).optional(),
  clientMetadataDocuments: clientMetadataDocuments.optional(),
  rememberConsentDays: z
    .number({ error: 'expected a number of days (0: the consent page every time)' })
    .int({ error: 'expected a whole number of days' })
    .min(0, { error: 'expected 0 or more days' })
    .max(400, { error: 'expected at most 400 days (browsers keep a cookie no longer)' })
    .optional(),
};

export const oauthProxySchema = z.strictObject(shape, {
  error: (iss) => (iss.code === 'unrecognized_keys' ? iss.keys.map((k) => unknownKeyMessage(k, Object.keys(shape))).join('\n') : 'expected a mapping with clientId, scopes, key and optional clientSecret, clientScopes, authorizationParams, previousKeys, clientMetadataDocuments, rememberConsentDays'),
});
