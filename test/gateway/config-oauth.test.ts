// A server's `auth.oauth` and the gateway's `oauth:` section: defaults, and errors that name the path and the fix.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/index.js';
import { rejection } from '../helpers/config.js';

const yaml = (text: string) => parseConfig(text, { format: 'yaml' });
const issues = (text: string) => rejection(() => yaml(text));
const REMOTE = 'servers:\n  remote:\n    url: https://mcp.example.com/mcp\n';

describe('upstream OAuth config', () => {
  it("defaults: the gateway's own authorization, grants in mcplex-oauth.json, no oauth section without a user", () => {
    const c = yaml(`${REMOTE}    auth: { oauth: {} }\n`);
    expect(c.servers.remote!.auth?.oauth).toEqual({ perCaller: false });
    expect(c.servers.remote!.isolation).toBeUndefined();
    expect(c.oauth).toEqual({ store: 'file', file: 'mcplex-oauth.json' });
    expect(yaml(`${REMOTE}    auth: { oauth: true }\n`).servers.remote!.auth?.oauth).toEqual({ perCaller: false });
    expect(yaml(REMOTE).oauth).toBeUndefined();
  });

  it('perCaller gives each principal a connection of its own; a registered client and scopes are kept', () => {
    const c = yaml(`${REMOTE}    auth:\n      oauth: { clientId: mcplex, clientSecret: s3cret, issuer: "https://login.example.com", scopes: "repo read:org", perCaller: true }\noauth:\n  store: redis\n  redis: redis://127.0.0.1:6379\n  callbackUrl: https://mcp.example.com/oauth/callback\n`);
    expect(c.servers.remote!.auth?.oauth).toEqual({ clientId: 'mcplex', clientSecret: 's3cret', issuer: 'https://login.example.com', scopes: ['repo', 'read:org'], perCaller: true });
    expect(yaml(`${REMOTE}    auth: { oauth: { resourceIndicator: false } }\n`).servers.remote!.auth?.oauth).toEqual({ resourceIndicator: false, perCaller: false });
    expect(yaml(`${REMOTE}    auth: { oauth: { dpop: true } }\n`).servers.remote!.auth?.oauth).toEqual({ dpop: true, perCaller: false });
    expect(c.servers.remote!.isolation).toBe('per-principal');
    expect(c.oauth).toEqual({ store: 'redis', file: 'mcplex-oauth.json', redis: { url: 'redis://127.0.0.1:6379', keyPrefix: 'mcplex:oauth:' }, callbackUrl: 'https://mcp.example.com/oauth/callback' });
  });

  it('oauth.confirmCaller: an API key, or a sign-in at the identity provider of the callers\' JWTs', () => {
    const PER_CALLER = `${REMOTE}    auth: { oauth: { perCaller: true } }\n`;
    const KEYS = 'auth:\n  apiKeys:\n    "sha256:' + '0'.repeat(64) + '": { id: alice }\n';
    const JWT = 'auth:\n  jwt: { issuer: https://login.example.com, audience: mcplex, jwksUrl: https://login.example.com/jwks }\n';
    expect(yaml(`${PER_CALLER}${KEYS}oauth: { confirmCaller: apiKey }\n`).oauth?.confirmCaller).toEqual({ apiKey: true });
    const oidc = { issuer: 'https://login.example.com', clientId: 'mcplex', clientSecret: 's3cret' };
    expect(yaml(`${PER_CALLER}${JWT}oauth:\n  confirmCaller:\n    oidc: { issuer: https://login.example.com, clientId: mcplex, clientSecret: s3cret }\n`).oauth?.confirmCaller).toEqual({ oidc });
    // An identity provider on this machine may be plain HTTP (a development one); elsewhere it must be https.
    expect(yaml(`${PER_CALLER}${JWT}oauth: { confirmCaller: { oidc: { issuer: "http://127.0.0.1:9000", clientId: mcplex } } }\n`).oauth?.confirmCaller).toEqual({ oidc: { issuer: 'http://127.0.0.1:9000', clientId: 'mcplex' } });
    expect(issues(`${PER_CALLER}${JWT}oauth: { confirmCaller: { oidc: { issuer: "http://login.example.com", clientId: mcplex } } }\n`)).toEqual([
      "oauth.confirmCaller.oidc.issuer: expected the identity provider's issuer URL (https, or http on this machine), e.g. https://auth.example.com",
    ]);
    // A private key in place of the secret (private_key_jwt); not both.
    expect(yaml(`${PER_CALLER}${JWT}oauth:\n  confirmCaller:\n    oidc: { issuer: https://login.example.com, clientId: mcplex, privateKeyFile: /etc/mcplex/oidc.key, signingAlg: RS256, certificateFile: /etc/mcplex/oidc.crt }\n`).oauth?.confirmCaller).toEqual({
      oidc: { issuer: 'https://login.example.com', clientId: 'mcplex', privateKeyFile: '/etc/mcplex/oidc.key', signingAlg: 'RS256', certificateFile: '/etc/mcplex/oidc.crt' },
    });
    expect(issues(`${PER_CALLER}${JWT}oauth: { confirmCaller: { oidc: { issuer: https://login.example.com, clientId: mcplex, clientSecret: s, privateKeyFile: /k } } }\n`)).toEqual([
      'oauth.confirmCaller.oidc: give clientSecret or privateKeyFile (how the gateway proves it is the client at the identity provider), not both',
    ]);
    expect(issues(`${PER_CALLER}${KEYS}oauth: { confirmCaller: password }\n`)).toEqual(['oauth.confirmCaller: expected apiKey, or a mapping with apiKey: true and/or oidc: { issuer, clientId, clientSecret }']);
    expect(issues(`${PER_CALLER}${KEYS}oauth: { confirmCaller: {} }\n`)).toEqual(['oauth.confirmCaller: expected apiKey, or a mapping with apiKey: true and/or oidc: { issuer, clientId, clientSecret }']);
    // Both at once: each caller confirms the way they authenticate.
    const both = yaml(`${PER_CALLER}auth:\n  apiKeys:\n    "sha256:${'0'.repeat(64)}": { id: alice }\n  jwt: { issuer: https://login.example.com, audience: mcplex, jwksUrl: https://login.example.com/jwks }\noauth:\n  confirmCaller: { apiKey: true, oidc: { issuer: https://login.example.com, clientId: mcplex } }\n`);
    expect(both.oauth?.confirmCaller).toEqual({ apiKey: true, oidc: { issuer: 'https://login.example.com', clientId: 'mcplex' } });
    // Each way needs callers who authenticate so.
    expect(issues(`${PER_CALLER}${JWT}oauth: { confirmCaller: apiKey }\n`)).toEqual([expect.stringMatching(/^oauth\.confirmCaller: apiKey confirms callers by the API key they authenticate with: configure auth\.apiKeys/)]);
    expect(issues(`${PER_CALLER}${KEYS}oauth: { confirmCaller: { oidc: { issuer: https://login.example.com, clientId: mcplex } } }\n`)).toEqual([
      expect.stringMatching(/^oauth\.confirmCaller\.oidc: oidc confirms callers by a sign-in at the identity provider their JWTs come from: configure auth\.jwt/),
    ]);
  });

  it("the gateway's own token without a person: a client secret or key (client credentials), or its workload's JWT", () => {
    const cc = yaml(`${REMOTE}    auth:\n      clientCredentials: { tokenUrl: https://idp/token, clientId: a, privateKeyFile: /etc/mcplex/key.pem, signingAlg: RS256, assertionAudience: https://idp }\n`);
    expect(cc.servers.remote!.auth?.clientCredentials).toEqual({ tokenUrl: 'https://idp/token', clientId: 'a', privateKeyFile: '/etc/mcplex/key.pem', signingAlg: 'RS256', assertionAudience: 'https://idp' });
    const wif = yaml(`${REMOTE}    auth:\n      workloadIdentity: { tokenUrl: https://idp/token, clientId: a, tokenFile: /var/run/secrets/tokens/mcp, resource: https://mcp.example.com/mcp }\n`);
    expect(wif.servers.remote!.auth?.workloadIdentity).toEqual({ tokenUrl: 'https://idp/token', clientId: 'a', tokenFile: '/var/run/secrets/tokens/mcp', resource: 'https://mcp.example.com/mcp' });
    expect(issues(`${REMOTE}    auth:\n      clientCredentials: { tokenUrl: https://idp/token, clientId: a }\n`)).toEqual([
      'servers.remote.auth.clientCredentials: needs clientSecret or privateKeyFile (one of them): how the gateway proves it is the client',
    ]);
    expect(issues(`${REMOTE}    auth:\n      clientCredentials: { tokenUrl: https://idp/token, clientId: a, clientSecret: s, privateKeyFile: k.pem }\n`)).toEqual([
      'servers.remote.auth.clientCredentials: needs clientSecret or privateKeyFile (one of them): how the gateway proves it is the client',
    ]);
    expect(issues(`${REMOTE}    auth:\n      clientCredentials: { tokenUrl: https://idp/token, clientId: a, clientSecret: s, signingAlg: RS256 }\n`)).toEqual(['servers.remote.auth.clientCredentials: signingAlg and assertionAudience go with privateKeyFile']);
    expect(issues(`${REMOTE}    auth:\n      clientCredentials: { tokenUrl: https://idp/token, clientId: a, privateKeyFile: k.pem, signingAlg: HS256 }\n`)).toEqual([expect.stringMatching(/^servers\.remote\.auth\.clientCredentials\.signingAlg: expected a JWS algorithm: ES256 \(the default\)/)]);
    expect(issues(`${REMOTE}    auth:\n      workloadIdentity: { tokenUrl: https://idp/token, clientId: a }\n`)).toEqual([expect.stringMatching(/^servers\.remote\.auth\.workloadIdentity\.tokenFile: expected the file the platform keeps the JWT in/)]);
    expect(issues(`${REMOTE}    auth:\n      workloadIdentity: { tokenUrl: https://idp/token, clientId: a, tokenFile: t }\n      clientCredentials: { tokenUrl: https://idp/token, clientId: a, clientSecret: b }\n`)).toEqual([
      'servers.remote.auth.workloadIdentity: clientCredentials is given too: the gateway gets its own token one way (remove one)',
    ]);
  });

  it('names the key and the fix', () => {
    expect(issues('servers:\n  local:\n    command: node\n    auth: { oauth: {} }\n')).toEqual(['servers.local.auth: only for http/sse servers (give a stdio server its secrets in env)']);
    expect(issues(`${REMOTE}    auth: { oauth: { clientSecret: x, issuer: https://login.example.com } }\n`)).toEqual([
      'servers.remote.auth.oauth.clientSecret: needs clientId (the client the secret belongs to)',
      'servers.remote.auth.oauth.issuer: pins a client registered beforehand: give its clientId too (a client the gateway registers itself is bound to the server it registered at)',
    ]);
    // A secret goes only to the authorization server it belongs to, never wherever the upstream's metadata points.
    expect(issues(`${REMOTE}    auth: { oauth: { clientId: a, clientSecret: x } }\n`)).toEqual([expect.stringMatching(/^servers\.remote\.auth\.oauth\.clientSecret: needs issuer: the issuer URL of the authorization server/)]);
    expect(issues(`${REMOTE}    auth: { oauth: { clientId: a, issuer: login.example.com } }\n`)).toEqual(['servers.remote.auth.oauth.issuer: must be an http(s) URL']);
    expect(issues(`${REMOTE}    isolation: shared\n    auth: { oauth: { perCaller: true } }\n`)).toEqual([expect.stringMatching(/^servers\.remote\.isolation: perCaller gives each caller a token of their own/)]);
    expect(issues(`${REMOTE}    auth:\n      oauth: {}\n      clientCredentials: { tokenUrl: https://idp/token, clientId: a, clientSecret: b }\n`)).toEqual([
      'servers.remote.auth.oauth: clientCredentials is given too: the gateway gets its own token one way (remove one)',
    ]);
    expect(issues(`${REMOTE}    auth: { oauth: { perCaller: yes } }\n`)).toEqual([expect.stringMatching(/^servers\.remote\.auth\.oauth\.perCaller: expected true/)]);
    expect(issues(`${REMOTE}    auth: { oauth: { resourceIndicator: no } }\n`)).toEqual([expect.stringMatching(/^servers\.remote\.auth\.oauth\.resourceIndicator: expected false \(leave the RFC 8707 resource parameter out/)]);
    expect(issues(`${REMOTE}    auth: { oauth: { dpop: yes } }\n`)).toEqual([expect.stringMatching(/^servers\.remote\.auth\.oauth\.dpop: expected true \(tokens bound to the gateway's key/)]);
    expect(yaml(`${REMOTE}    auth: { oauth: { refreshAheadMs: 120000 } }\n`).servers.remote!.auth?.oauth).toEqual({ refreshAheadMs: 120000, perCaller: false });
    expect(yaml(`${REMOTE}    auth: { oauth: { refreshAheadMs: 0 } }\n`).servers.remote!.auth?.oauth).toEqual({ refreshAheadMs: 0, perCaller: false });
    expect(issues(`${REMOTE}    auth: { oauth: { refreshAheadMs: soon } }\n`)).toEqual(['servers.remote.auth.oauth.refreshAheadMs: expected milliseconds before expiry (e.g. 120000), or 0 to refresh only when the server answers 401']);
    expect(issues(`${REMOTE}    auth: { oauth: { client: x } }\n`)).toEqual(["servers.remote.auth.oauth.client: unknown key (did you mean 'clientId'?)"]);
    expect(issues(`listen: { host: 0.0.0.0 }\n${REMOTE}    auth: { oauth: {} }\n`)).toEqual([expect.stringMatching(/^oauth\.callbackUrl: required when listen\.host is 0\.0\.0\.0 \(remote use OAuth\)/)]);
    expect(issues(`cluster: { redis: redis://127.0.0.1:6379 }\n${REMOTE}    auth: { oauth: {} }\n`)).toEqual(['oauth.store: with cluster:, every replica must see the grants of remote: use store: redis']);
    expect(issues(`${REMOTE}    auth: { oauth: {} }\noauth: { store: redis }\n`)).toEqual(['oauth.redis: required with store: redis (e.g. redis: redis://127.0.0.1:6379)']);
    expect(issues(`${REMOTE}    auth: { oauth: {} }\noauth: { encryptionKey: short }\n`)).toEqual([
      `oauth.encryptionKey: expected a secret of at least 32 characters from the environment (e.g. \${MCPLEX_OAUTH_KEY}; make one with: openssl rand -base64 32)`,
    ]);
    expect(issues(`${REMOTE}    auth: { oauth: {} }\noauth: { previousEncryptionKeys: [${'x'.repeat(32)}] }\n`)).toEqual([
      'oauth.encryptionKey: required with previousEncryptionKeys: the secret grants are sealed with from now on',
    ]);
    expect(yaml(`${REMOTE}    auth: { oauth: {} }\noauth: { encryptionKey: ${'k'.repeat(32)}, previousEncryptionKeys: [${'p'.repeat(40)}] }\n`).oauth).toMatchObject({ encryptionKey: 'k'.repeat(32), previousEncryptionKeys: ['p'.repeat(40)] });
    expect(issues(`${REMOTE}    auth: { oauth: {} }\noauth: { openBrowser: sometimes }\n`)).toEqual([expect.stringMatching(/^oauth\.openBrowser: expected true or false/)]);
    expect(yaml(`${REMOTE}    auth: { oauth: {} }\noauth: { openBrowser: false }\n`).oauth).toMatchObject({ openBrowser: false });
    expect(issues(`${REMOTE}    auth: { oauth: {} }\noauth: { callbackUrl: ftp://x/cb }\n`)).toEqual([expect.stringMatching(/^oauth\.callbackUrl: expected an http\(s\) URL/)]);
  });

  it('clientMetadataUrl: an https URL with a path the gateway serves nothing else at', () => {
    const url = 'https://mcp.example.com/oauth/client-metadata.json';
    expect(yaml(`${REMOTE}    auth: { oauth: {} }\noauth: { clientMetadataUrl: "${url}" }\n`).oauth).toMatchObject({ clientMetadataUrl: url });
    for (const bad of ['http://mcp.example.com/client.json', 'https://mcp.example.com/', 'https://mcp.example.com/c.json#x', 'client.json']) {
      expect(issues(`${REMOTE}    auth: { oauth: {} }\noauth: { clientMetadataUrl: "${bad}" }\n`)).toEqual([
        "oauth.clientMetadataUrl: expected the https URL (with a path) the gateway's client metadata document is reached at, e.g. https://mcp.example.com/oauth/client-metadata.json",
      ]);
    }
    for (const taken of ['https://mcp.example.com/oauth/callback', 'https://mcp.example.com/admin/client', 'https://mcp.example.com/mcp']) {
      expect(issues(`${REMOTE}    auth: { oauth: {} }\noauth: { clientMetadataUrl: "${taken}" }\n`)).toEqual([
        `oauth.clientMetadataUrl: the gateway serves something else at ${new URL(taken).pathname}: choose another path, e.g. https://mcp.example.com/oauth/client-metadata.json`,
      ]);
    }
    expect(issues(`${REMOTE}    auth: { oauth: {} }\noauth: { callbackUrl: "https://mcp.example.com/cb", clientMetadataUrl: "https://mcp.example.com/cb" }\n`)).toEqual([
      expect.stringMatching(/^oauth\.clientMetadataUrl: the gateway serves something else at \/cb/),
    ]);
  });
});
