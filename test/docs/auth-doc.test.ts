// docs/auth.md's configuration examples are real: every YAML block parses with the shipped loader (the mTLS one
// needs its files only when serving) and the hash in the API-key example has the right shape.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { parseConfig } from '../../src/gateway/config/index.js';

const doc = readFileSync(new URL('../../docs/auth.md', import.meta.url), 'utf8');
const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);

it('every YAML example in docs/auth.md is a valid gateway config', () => {
  expect(blocks.length).toBe(11);
  const env = { IDP_CLIENT_ID: 'mcplex', IDP_CLIENT_SECRET: 's3cret', MCPLEX_OAUTH_PROXY_KEY: 'k'.repeat(44), INTROSPECTION_CLIENT_ID: 'mcplex-rs', INTROSPECTION_CLIENT_SECRET: 'rs-s3cret', MCPLEX_DPOP_NONCE_KEY: 'n'.repeat(44) };
  const [keys, jwt, dpop, nonces, opaque, proxy, google, github, mtls, refusals, anonymous] = blocks.map((b) => parseConfig(b, { format: 'yaml', env }));
  expect(Object.values(keys!.auth!.apiKeys!)).toEqual([{ id: 'alice', tenant: 'acme', scopes: ['tools', 'mcplex:admin'] }]);
  expect(jwt!.auth!.jwt).toMatchObject({ audience: 'https://mcp.example.com/mcp', requiredScopes: ['mcp'] });
  expect(dpop!.auth!.jwt).toMatchObject({ requireDpop: true });
  expect(nonces!.auth!.jwt).toMatchObject({ requireDpop: true, dpopNonce: { key: 'n'.repeat(44), lifetimeSeconds: 300 } });
  expect(opaque!.auth!.introspection).toEqual({ issuer: 'https://auth.example.com', clientId: 'mcplex-rs', clientSecret: 'rs-s3cret', audience: 'https://mcp.example.com/mcp', requiredScopes: ['mcp'], claims: { id: 'sub', tenant: 'org' } });
  expect(proxy!.auth!.oauthProxy).toMatchObject({ clientId: 'mcplex', scopes: ['openid', 'offline_access', 'api://mcplex/mcp'] });
  expect(proxy!.auth!.jwt!.authorizationServers).toEqual(['https://mcp.example.com']);
  // The proxy's own tokens: checked by the gateway itself, the provider named by discovery or by its endpoints.
  expect(google!.auth!.jwt).toMatchObject({ issuer: 'https://mcp.example.com', audience: 'https://mcp.example.com/mcp', algorithms: ['HS256'], claims: { tenant: 'hd' } });
  expect(google!.auth!.oauthProxy!.provider).toEqual({ issuer: 'https://accounts.google.com', subject: 'email', tenant: 'hd', claims: ['name'], allow: { hd: ['example.com'], email_verified: [true] } });
  expect(github!.auth!.oauthProxy!.provider).toMatchObject({ tokenUrl: 'https://github.com/login/oauth/access_token', subject: 'login', organizations: ['acme'] });
  expect(github!.auth!.jwt!.authorizationServers).toEqual(['https://mcp.example.com']);
  expect(mtls!.listen.tls?.ca).toBe('/etc/mcplex/clients-ca.crt');
  expect(refusals!.auth!.refusalLimit).toEqual({ limit: 20, windowMs: 60_000 });
  expect(anonymous!.auth).toMatchObject({ anonymous: true, local: { id: 'me' } });
});
