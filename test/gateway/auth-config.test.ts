// The `auth:` section and `listen.tls` in the gateway file: what validates, and bad settings reported with their
// path and a fix (never quoting a key); the non-loopback guard's reasons.
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} in plain strings is the config syntax under test
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { restartOnlyChanges } from '../../src/cli/restart-only.js';
import { insecureBind } from '../../src/gateway/auth.js';
import { ConfigInvalidError, newApiKey, parseConfig } from '../../src/index.js';

const servers = { demo: { command: 'demo' } };
const parse = (tree: Record<string, unknown>) => parseConfig(stringify({ servers, ...tree }), { format: 'yaml' });
const issuesOf = (tree: Record<string, unknown>): string[] => {
  try {
    parse(tree);
  } catch (err) {
    if (err instanceof ConfigInvalidError) return err.issues;
    throw err;
  }
  throw new Error('expected the config to be refused');
};

describe('auth config', () => {
  it('accepts API keys, JWT, mTLS with listen.tls, anonymous and a local principal', () => {
    const { hash } = newApiKey();
    const config = parse({
      listen: { host: '127.0.0.1', tls: { cert: 'server.crt', key: 'server.key', ca: 'ca.crt' } },
      auth: {
        apiKeys: { [hash]: { id: 'alice', tenant: 'acme', scopes: 'tools mcplex:admin' } },
        jwt: { issuer: 'https://auth.example', audience: 'https://mcp.example/mcp', jwksUrl: 'https://auth.example/jwks', requiredScopes: ['mcp'], claims: { tenant: 'org' } },
        mtls: { identity: 'san-uri', principals: { 'spiffe://x/a': { id: 'a' } } },
        local: { id: 'me' },
      },
    });
    expect(config.auth?.apiKeys?.[hash]).toEqual({ id: 'alice', tenant: 'acme', scopes: ['tools', 'mcplex:admin'] });
    expect(config.auth?.jwt).toMatchObject({ issuer: 'https://auth.example', claims: { tenant: 'org' } });
    expect(config.listen.tls).toEqual({ cert: 'server.crt', key: 'server.key', ca: 'ca.crt' });
  });

  it('reports bad settings with their path and a fix, never quoting a key', () => {
    const leaked = newApiKey().key;
    const issues = issuesOf({ auth: { apiKeys: { [leaked]: { id: 'a' }, 'md5:abc': { id: 'b' } } } });
    expect(issues).toEqual([
      'auth.apiKeys: entry 1 is an API key itself, not its hash: never put keys in config; paste the sha256:… line `mcplex keys new` printed (and replace the exposed key)',
      'auth.apiKeys: entry 2: expected a key hash sha256:<64 hex digits> (run `mcplex keys new` to make a key and its hash)',
    ]);
    expect(issues.join('\n')).not.toContain(leaked);
    expect(issuesOf({ auth: {} })).toEqual(['auth: configure at least one of apiKeys, jwt, introspection or mtls (or anonymous: true, or remove the section)']);
    expect(issuesOf({ auth: { jwt: { issuer: 'i', audience: 'a', jwksUrl: 'https://x/jwks', secret: 'x'.repeat(40) } } })).toEqual([
      'auth.jwt: give exactly one of jwksUrl, publicKey or secret (how tokens are verified)',
    ]);
    expect(issuesOf({ auth: { jwt: { issuer: 'i', jwksUrl: 'https://x/jwks' } } })[0]).toMatch(/^auth\.jwt\.audience: /);
    expect(issuesOf({ auth: { jwt: { issuer: 'i', audience: 'a', secret: 'short' } } })).toEqual(['auth.jwt.secret: must be at least 32 bytes (use ${VAR} to read it from the environment)']);
    expect(issuesOf({ auth: { jwt: { issuer: 'i', audience: 'a', jwksUrl: 'https://x/jwks', algorithms: ['RS256', 'none'] } } })).toEqual(["auth.jwt.algorithms[1]: 'none' is never accepted"]);
    expect(issuesOf({ auth: { jwt: { issuer: 'i', audience: 'a', jwksUrl: 'https://x/jwks', requireDpop: 'yes' } } })).toEqual(['auth.jwt.requireDpop: expected true (DPoP-bound tokens only, RFC 9449) or false (bearer tokens too, the default)']);
    expect(issuesOf({ auth: { mtls: {} } })).toEqual(['auth.mtls: needs listen.tls with ca (the CA client certificates chain to)']);
    expect(issuesOf({ auth: { apiKey: {} } })[0]).toBe("auth.apiKey: unknown key (did you mean 'apiKeys'?)");
  });

  it('oauthProxy: with jwt and resource, the gateway is the authorization server its metadata names', () => {
    const jwt = { issuer: 'https://login.example.com', audience: 'https://mcp.example.com/mcp', jwksUrl: 'https://login.example.com/jwks' };
    const proxy = { clientId: 'mcplex', clientSecret: 's3cret', scopes: 'openid api://mcplex/mcp', key: 'k'.repeat(32), authorizationParams: { audience: 'https://api' } };
    const config = parse({ auth: { jwt, resource: 'https://mcp.example.com/mcp', oauthProxy: proxy } });
    expect(config.auth?.oauthProxy).toEqual({ ...proxy, scopes: ['openid', 'api://mcplex/mcp'] });
    expect(config.auth?.jwt?.authorizationServers).toEqual(['https://mcp.example.com']);
    expect(parse({ auth: { jwt: { ...jwt, authorizationServers: ['https://as.example'] }, resource: 'https://mcp.example.com/mcp', oauthProxy: proxy } }).auth?.jwt?.authorizationServers).toEqual(['https://as.example']);
    expect(parse({ auth: { jwt } }).auth?.jwt?.authorizationServers).toBeUndefined();
    expect(issuesOf({ auth: { apiKeys: { [newApiKey().hash]: { id: 'a' } }, oauthProxy: proxy } })).toEqual([
      'auth.oauthProxy: needs auth.jwt (or auth.introspection, for opaque tokens): the identity provider whose tokens callers sign in for (its issuer)',
      'auth.resource: required with oauthProxy: the public URL of the MCP endpoint, e.g. https://mcp.example.com/mcp (its origin is the authorization server MCP clients see)',
    ]);
    expect(issuesOf({ auth: { jwt, resource: 'https://mcp.example.com/mcp', oauthProxy: { ...proxy, key: 'short' } } })).toEqual([
      'auth.oauthProxy.key: expected a secret of at least 32 characters from the environment (e.g. ${MCPLEX_OAUTH_PROXY_KEY}; make one with: openssl rand -base64 32)',
    ]);
    expect(issuesOf({ auth: { jwt: { ...jwt, requireDpop: true }, resource: 'https://mcp.example.com/mcp', oauthProxy: proxy } })).toEqual([
      "auth.jwt.requireDpop: the OAuth proxy hands out the identity provider's bearer tokens, which requireDpop refuses: remove one of them",
    ]);
    expect(issuesOf({ auth: { jwt, resource: 'https://mcp.example.com/mcp', oauthProxy: { ...proxy, scope: 'x' } } })[0]).toBe("auth.oauthProxy.scope: unknown key (did you mean 'scopes'?)");
  });

  it('oauthProxy.clientMetadataDocuments: on, off, or with the addresses of the operator\'s own apps; rememberConsentDays', () => {
    const auth = (clientMetadataDocuments: unknown) => ({
      auth: {
        jwt: { issuer: 'https://login.example.com', audience: 'https://mcp.example.com/mcp', jwksUrl: 'https://login.example.com/jwks' },
        resource: 'https://mcp.example.com/mcp',
        oauthProxy: { clientId: 'mcplex', scopes: 'openid', key: 'k'.repeat(32), clientMetadataDocuments },
      },
    });
    expect(parse(auth(false)).auth?.oauthProxy?.clientMetadataDocuments).toBe(false);
    expect(parse(auth({ allowAddresses: ['10.20.0.0/16', '192.168.1.7', 'fd00::/8'] })).auth?.oauthProxy?.clientMetadataDocuments).toEqual({ allowAddresses: ['10.20.0.0/16', '192.168.1.7', 'fd00::/8'] });
    const hint = 'expected an IP address or a CIDR range (e.g. 10.20.0.0/16) an app on your own network serves its document from';
    expect(issuesOf(auth({ allowAddresses: ['apps.internal'] }))).toEqual([`auth.oauthProxy.clientMetadataDocuments.allowAddresses[0]: ${hint}`]);
    expect(issuesOf(auth({ allowAddresses: ['10.0.0.0/33'] }))).toEqual([`auth.oauthProxy.clientMetadataDocuments.allowAddresses[0]: ${hint}`]);
    expect(parse({ auth: { ...auth(true).auth, oauthProxy: { ...auth(true).auth.oauthProxy, rememberConsentDays: 0 } } }).auth?.oauthProxy?.rememberConsentDays).toBe(0);
    expect(issuesOf({ auth: { ...auth(true).auth, oauthProxy: { ...auth(true).auth.oauthProxy, rememberConsentDays: 500 } } })).toEqual(['auth.oauthProxy.rememberConsentDays: expected at most 400 days (browsers keep a cookie no longer)']);
    expect(issuesOf(auth('yes'))).toEqual(['auth.oauthProxy.clientMetadataDocuments: expected true (the default: documents on public addresses), false (registered clients only) or { allowAddresses: [...] }']);
  });

  it('introspection.refusedCacheMs: how long a refused token is refused again without asking', () => {
    const introspection = { issuer: 'https://auth.example', clientId: 'gw', clientSecret: 's3cret', audience: 'https://mcp.example/mcp' };
    expect(parse({ auth: { introspection: { ...introspection, refusedCacheMs: 0 } } }).auth?.introspection?.refusedCacheMs).toBe(0);
    expect(issuesOf({ auth: { introspection: { ...introspection, refusedCacheMs: 600_000 } } })).toEqual([
      'auth.introspection.refusedCacheMs: expected at most 300000 (5 minutes): a token activated later would stay refused that long',
    ]);
  });

  it('refusalLimit: refused credentials per client address, or false; a change waits for a restart', () => {
    const { hash } = newApiKey();
    const apiKeys = { [hash]: { id: 'alice' } };
    const limited = parse({ auth: { apiKeys, refusalLimit: { limit: 20, windowMs: 60_000 } } });
    expect(limited.auth?.refusalLimit).toEqual({ limit: 20, windowMs: 60_000 });
    const off = parse({ auth: { apiKeys, refusalLimit: false } });
    expect(off.auth?.refusalLimit).toBe(false);
    expect(issuesOf({ auth: { apiKeys, refusalLimit: true } })).toEqual(['auth.refusalLimit: expected { limit, windowMs } (refused credentials per client address) or false']);
    expect(issuesOf({ auth: { apiKeys, refusalLimit: { limit: 0, windowMs: 60_000 } } })).toEqual(['auth.refusalLimit.limit: expected a positive integer']);
    expect(restartOnlyChanges(limited, off)).toEqual(['auth.refusalLimit changed']);
    expect(restartOnlyChanges(limited, parse({ auth: { apiKeys: {}, anonymous: true, refusalLimit: { limit: 20, windowMs: 60_000 } } }))).toEqual([]);
  });

  it('jwt.dpopNonce: true, or the key every replica shares (required with cluster:) and the lifetime', () => {
    const jwt = { issuer: 'https://auth.example', audience: 'https://mcp.example/mcp', jwksUrl: 'https://auth.example/jwks' };
    expect(parse({ auth: { jwt: { ...jwt, dpopNonce: true } } }).auth?.jwt?.dpopNonce).toBe(true);
    const key = 'n'.repeat(32);
    const cluster = { redis: 'redis://127.0.0.1:6379' };
    expect(parse({ auth: { jwt: { ...jwt, dpopNonce: { key, lifetimeSeconds: 120 } } }, cluster }).auth?.jwt?.dpopNonce).toEqual({ key, lifetimeSeconds: 120 });
    expect(issuesOf({ auth: { jwt: { ...jwt, dpopNonce: true } }, cluster })).toEqual([
      'auth.jwt.dpopNonce: with cluster: every replica must take the nonces the others hand out: set dpopNonce: { key: ${MCPLEX_DPOP_NONCE_KEY} } (the same secret on every replica)',
    ]);
    expect(issuesOf({ auth: { jwt: { ...jwt, dpopNonce: { key: 'short' } } } })[0]).toMatch(/^auth\.jwt\.dpopNonce\.key: expected a secret of at least 32 characters .*the same on every replica/);
    expect(issuesOf({ auth: { jwt: { ...jwt, dpopNonce: { lifetimeSeconds: 5 } } } })).toEqual(['auth.jwt.dpopNonce.lifetimeSeconds: expected at least 10 seconds']);
  });

  it('refuses a non-loopback bind unless real authentication is configured', () => {
    const { hash } = newApiKey();
    expect(insecureBind(parse({ listen: { host: '127.0.0.1' } }))).toBeUndefined();
    expect(insecureBind(parse({ listen: { host: '0.0.0.0' } }))).toMatch(/^refusing to listen on 0\.0\.0\.0.*no authentication is configured.*--insecure/);
    expect(insecureBind(parse({ listen: { host: '0.0.0.0' }, auth: { anonymous: true } }))).toMatch(/auth\.anonymous lets callers in without credentials/);
    expect(insecureBind(parse({ listen: { host: '10.0.0.5' }, auth: { apiKeys: { [hash]: { id: 'a' } } } }))).toBeUndefined();
    const introspection = { issuer: 'https://auth.example.com', clientId: 'gw', clientSecret: 's3cret', audience: 'https://mcp.example.com/mcp' };
    expect(insecureBind(parse({ listen: { host: '10.0.0.5' }, auth: { introspection } }))).toBeUndefined();
    // A name that starts like a loopback address is not one.
    expect(insecureBind(parse({ listen: { host: '127.example.com' } }))).toMatch(/^refusing to listen on 127\.example\.com/);
  });
});
