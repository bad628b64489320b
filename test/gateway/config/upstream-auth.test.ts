// The per-server upstream credentials/isolation section: defaults, and every mistake reported at its path with a
// fix, never quoting a secret.
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} in plain strings is the config syntax under test
import { describe, expect, it } from 'vitest';
import { ConfigInvalidError, parseConfig } from '../../../src/gateway/config/index.js';

const KEY = 'a'.repeat(40);
const parse = (text: string, env: Record<string, string> = {}) => parseConfig(text, { format: 'yaml', env, source: 'gw.yaml' });
function issues(text: string, env: Record<string, string> = {}): string[] {
  try {
    parse(text, env);
  } catch (err) {
    if (err instanceof ConfigInvalidError) return err.message.split('\n').slice(1).map((l) => l.replace(/^\s+- /, ''));
    throw err;
  }
  throw new Error('expected the config to be refused');
}

describe('upstream credentials and isolation config', () => {
  it('fills defaults, and token exchange implies per-principal isolation', () => {
    const config = parse(
      `
servers:
  api:
    url: https://api.internal/mcp
    forwardHeaders: [X-Request-Id, traceparent]
    instances: { max: 5 }
    auth:
      tokenExchange: { tokenUrl: https://idp.internal/token, clientId: gw, clientSecret: "\${SECRET}", scopes: "a b" }
    identity: { key: "\${ID_KEY}" }
  tool: { command: node, args: [server.js], isolation: per-session }
  plain: { url: https://plain.internal/mcp }
`,
      { SECRET: 'shh', ID_KEY: KEY },
    );
    const api = config.servers.api!;
    expect(api.isolation).toBe('per-principal');
    expect(api.instances).toEqual({ max: 5, idleTtlMs: 300_000, whenFull: 'evict-idle' });
    expect(api.forwardHeaders).toEqual(['X-Request-Id', 'traceparent']);
    expect(api.auth?.tokenExchange).toEqual({ tokenUrl: 'https://idp.internal/token', clientId: 'gw', clientSecret: 'shh', scopes: ['a', 'b'] });
    expect(api.identity).toEqual({ key: KEY, ttlSeconds: 300 });
    expect(config.servers.tool!.isolation).toBe('per-session');
    // Absent stays absent: shared, unless the gateway authenticates and the upstream is a stateful 2025-era HTTP one.
    expect(config.servers.plain!.isolation).toBeUndefined();
  });

  it('reports each mistake at its path with the fix', () => {
    const found = issues(
      `
servers:
  a:
    url: https://a/mcp
    isolation: per-user
    instances: { max: 0, whenFull: wait }
    forwardHeaders: [X-Ok, X-API-Key]
    headers: { Authorization: "Bearer static" }
    auth:
      clientCredential: {}
      tokenExchange: { tokenUrl: "ftp://idp/token", clientId: gw }
    identity: { key: short }
  b:
    command: node
    forwardHeaders: [X-Request-Id]
    auth: { clientCredentials: { tokenUrl: "https://idp/token", clientId: gw, clientSecret: s } }
  c:
    url: https://c/mcp
    isolation: shared
    auth: { tokenExchange: { tokenUrl: "https://idp/token", clientId: gw, clientSecret: s } }
`,
    );
    expect(found).toEqual(
      expect.arrayContaining([
        'servers.a.isolation: expected one of shared, per-principal, per-session',
        'servers.a.instances.max: expected a positive integer',
        'servers.a.instances.whenFull: expected evict-idle or refuse',
        "servers.a.forwardHeaders[1]: 'X-API-Key' is never forwarded (caller credentials and transport headers stay at the gateway); remove it",
        'servers.a.auth: headers has Authorization too; give the upstream credentials in one place',
        expect.stringMatching(/^servers\.a\.auth\.clientCredential: unknown key.*clientCredentials/),
        'servers.a.auth.tokenExchange.tokenUrl: must be an http(s) URL',
        'servers.a.auth.tokenExchange.clientSecret: expected the client secret from the environment (e.g. ${UPSTREAM_CLIENT_SECRET})',
        'servers.a.identity.key: must be at least 32 bytes (e.g. from `openssl rand -hex 32`)',
        'servers.b.forwardHeaders: only for http/sse servers (a stdio server has no headers)',
        'servers.b.auth: only for http/sse servers (give a stdio server its secrets in env)',
        'servers.c.isolation: token exchange gives each caller its own token, which needs its own connection: use per-principal or per-session',
      ]),
    );
  });

  it('never quotes a secret in an error', () => {
    const secret = 'client-secret-value-123';
    const found = issues('servers:\n  a:\n    url: https://a/mcp\n    auth: { clientCredentials: { tokenUrl: "${S}", clientId: gw, clientSecret: "${S}" } }\n', { S: secret });
    expect(found.join('\n')).toMatch(/tokenUrl: must be an http\(s\) URL/);
    expect(found.join('\n')).not.toContain(secret);
  });
});
