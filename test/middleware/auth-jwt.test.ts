// JWT bearer tokens against a real JWKS served on 127.0.0.1 by the test: hostile tokens (missing, garbage,
// expired, not yet valid, wrong audience or issuer, alg none, HS/RS confusion, unknown kid) each get 401 and the
// right challenge; missing scopes get 403 insufficient_scope; key rotation and the refetch cooldown; both eras.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachCredential, createAuthenticator, credentialOf, ErrorCode, type HttpHandle, JwtVerifier } from '../../src/index.js';
import { post, rawRequest, rpcMessage } from '../helpers/http.js';
import { connectWith, serveAuth, toolCall, whoami } from './auth-fixture.js';

const ISSUER = 'https://issuer.test';
const now = () => Math.floor(Date.now() / 1000);
type Key = Awaited<ReturnType<typeof generateKeyPair>> & { kid: string; jwk: JWK };

async function rsaKey(kid: string): Promise<Key> {
  const pair = await generateKeyPair('RS256', { extractable: true });
  return { ...pair, kid, jwk: { ...(await exportJWK(pair.publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

/** A JWKS endpoint whose key list the test changes (rotation) and whose fetches it counts. */
async function jwksServer(keys: Key[]): Promise<{ url: string; keys: Key[]; fetches: () => number; close(): Promise<void> }> {
  let fetches = 0;
  const server: Server = createServer((_req, res) => {
    fetches++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: keys.map((k) => k.jwk) }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/jwks.json`, keys, fetches: () => fetches, close: () => new Promise((r) => server.close(() => r())) };
}

function sign(key: Key, claims: Record<string, unknown> = {}, o: { exp?: number; nbf?: number; aud?: string; iss?: string } = {}): Promise<string> {
  const jwt = new SignJWT({ scope: 'mcp tools', tenant_id: 'acme', ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: key.kid })
    .setSubject('user-1')
    .setIssuer(o.iss ?? ISSUER)
    .setAudience(o.aud ?? AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(o.exp ?? now() + 300);
  if (o.nbf !== undefined) jwt.setNotBefore(o.nbf);
  return jwt.sign(key.privateKey);
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
/** This server's resource identifier (RFC 8707): its public URL, as a proxy in front would give it. */
const AUDIENCE = 'https://mcp.test/mcp';

describe('JWT authentication with a remote JWKS', () => {
  let jwks: Awaited<ReturnType<typeof jwksServer>>;
  let handle: HttpHandle;
  let k1: Key;
  let k2: Key;

  beforeAll(async () => {
    [k1, k2] = await Promise.all([rsaKey('k1'), rsaKey('k2')]);
    jwks = await jwksServer([k1]);
    const auth = createAuthenticator({
      jwt: { issuer: ISSUER, audience: AUDIENCE, jwksUrl: jwks.url, requiredScopes: ['mcp'], claims: { tenant: 'tenant_id' }, jwksCooldownSec: 0 },
    });
    handle = await serveAuth({ auth, resource: AUDIENCE });
  });
  afterAll(async () => {
    await handle?.close();
    await jwks?.close();
  });

  for (const era of ['legacy', 'modern'] as const) {
    it(`accepts a valid token from the SDK client (${era}) and maps its claims to the principal`, async () => {
      const client = await connectWith(handle.url, era, { authorization: `Bearer ${await sign(k1)}` });
      try {
        expect(await whoami(client)).toEqual({ id: 'user-1', kind: 'jwt', tenant: 'acme', scopes: ['mcp', 'tools'] });
      } finally {
        await client.close();
      }
    });
  }

  it('refuses hostile tokens with 401 invalid_token, never echoing them, and keeps serving', async () => {
    const [header, payload] = (await sign(k1)).split('.');
    const hsWithPublicPem = await new SignJWT({ scope: 'mcp' })
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .setSubject('mallory')
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime(now() + 300)
      .sign(new TextEncoder().encode(await exportSPKI(k1.publicKey)));
    const hostile: Record<string, string> = {
      garbage: 'abc.def.ghi',
      'not a jwt': 'garbage',
      expired: await sign(k1, {}, { exp: now() - 600 }),
      'not yet valid': await sign(k1, {}, { nbf: now() + 600 }),
      'wrong audience': await sign(k1, {}, { aud: 'https://other.example/mcp' }),
      'wrong issuer': await sign(k1, {}, { iss: 'https://evil.example' }),
      'alg none': `${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`,
      'alg none, signature kept': `${b64({ alg: 'none', kid: 'k1' })}.${payload}.${'A'.repeat(20)}`,
      'HS256 signed with the RSA public key': hsWithPublicPem,
      'tampered payload': `${header}.${b64({ sub: 'root', iss: ISSUER, aud: AUDIENCE, exp: now() + 300, scope: 'mcp' })}.${(await sign(k1)).split('.')[2]}`,
      'no exp': await new SignJWT({ scope: 'mcp' }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setSubject('u').setIssuer(ISSUER).setAudience(AUDIENCE).sign(k1.privateKey),
    };
    for (const [what, token] of Object.entries(hostile)) {
      const res = await post(handle.url, toolCall(1, 'whoami'), { authorization: `Bearer ${token}` });
      expect(res.status, what).toBe(401);
      const challenge = String(res.headers['www-authenticate']);
      expect(challenge, what).toMatch(/^Bearer realm="mcplex", resource_metadata="https:\/\/mcp\.test\/\.well-known\/oauth-protected-resource\/mcp", error="invalid_token"/);
      expect(rpcMessage(res).error?.code, what).toBe(ErrorCode.Unauthorized);
      expect(res.text, what).not.toContain(token.slice(0, 20));
    }
    const messages = async (token: string) => rpcMessage(await post(handle.url, toolCall(1, 'whoami'), { authorization: `Bearer ${token}` })).error?.message;
    expect(await messages(hostile.expired!)).toBe('Invalid token: the token has expired');
    expect(await messages(hostile['not yet valid']!)).toBe('Invalid token: the token is not valid yet');
    expect(await messages(hostile['wrong audience']!)).toBe('Invalid token: the token is for another audience (resource)');
    expect(await messages(hostile['wrong issuer']!)).toBe('Invalid token: the token is from an unexpected issuer');
    // Missing: the bare challenge, no error code (RFC 6750 §3.1).
    const none = await post(handle.url, toolCall(1, 'whoami'));
    expect(none.status).toBe(401);
    expect(String(none.headers['www-authenticate'])).not.toContain('error=');
    const client = await connectWith(handle.url, 'modern', { authorization: `Bearer ${await sign(k1)}` });
    expect((await whoami(client)).id).toBe('user-1');
    await client.close();
  });

  it('answers 403 insufficient_scope (step-up) when a valid token lacks a required scope', async () => {
    const res = await post(handle.url, toolCall(1, 'whoami'), { authorization: `Bearer ${await sign(k1, { scope: 'tools' })}` });
    expect(res.status).toBe(403);
    expect(String(res.headers['www-authenticate'])).toMatch(/error="insufficient_scope".*scope="mcp"$/);
    expect(rpcMessage(res).error?.code).toBe(ErrorCode.Forbidden);
  });

  it('re-fetches the key set on an unknown kid, so a rotated-in key works', async () => {
    const before = jwks.fetches();
    const token = await sign(k2);
    expect((await post(handle.url, toolCall(1, 'whoami'), { authorization: `Bearer ${token}` })).status).toBe(401);
    expect(jwks.fetches()).toBeGreaterThan(before);
    jwks.keys.push(k2);
    const client = await connectWith(handle.url, 'legacy', { authorization: `Bearer ${token}` });
    expect((await whoami(client)).id).toBe('user-1');
    await client.close();
  });

  it('serves metadata naming the issuer as authorization server', async () => {
    const res = await rawRequest(`${new URL(handle.url).origin}/.well-known/oauth-protected-resource/mcp`, { method: 'GET' });
    expect(JSON.parse(res.text)).toEqual({
      resource: AUDIENCE,
      authorization_servers: [ISSUER],
      scopes_supported: ['mcp'],
      bearer_methods_supported: ['header'],
      // DPoP-bound tokens are accepted with their proofs (RFC 9449 §5.1), bearer tokens too.
      dpop_signing_alg_values_supported: ['ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'EdDSA'],
      dpop_bound_access_tokens_required: false,
      resource_name: 'mcplex',
    });
  });
});

describe('JwtVerifier', () => {
  it('fetches the key set at most once per cooldown however many unknown kids arrive', async () => {
    const k1 = await rsaKey('k1');
    const stranger = await rsaKey('stranger');
    const jwks = await jwksServer([k1]);
    try {
      const v = new JwtVerifier({ issuer: ISSUER, audience: AUDIENCE, jwksUrl: jwks.url, jwksCooldownSec: 600 });
      expect('principal' in (await v.verify(await sign(k1)))).toBe(true);
      const flood = await Promise.all(Array.from({ length: 20 }, async () => v.verify(await sign(stranger))));
      expect(flood.every((o) => 'refusal' in o && o.refusal.description.includes('no known key'))).toBe(true);
      expect(jwks.fetches()).toBe(1);
    } finally {
      await jwks.close();
    }
  });

  it('with a static public key, refuses HS256 tokens signed with that key as the HMAC secret', async () => {
    const k = await rsaKey('static');
    const pem = await exportSPKI(k.publicKey);
    const v = new JwtVerifier({ issuer: ISSUER, audience: AUDIENCE, publicKey: pem });
    const good = await v.verify(await sign(k));
    expect('principal' in good && good.principal.id).toBe('user-1');
    expect('principal' in good && good.token).toBeTruthy();
    const forged = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('mallory').setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime(now() + 60).sign(new TextEncoder().encode(pem));
    const out = await v.verify(forged);
    expect('refusal' in out && out.refusal.error).toBe('invalid_token');
    expect(() => new JwtVerifier({ issuer: ISSUER, audience: AUDIENCE, publicKey: pem, algorithms: ['none'] })).toThrow(/none/);
    expect(() => new JwtVerifier({ issuer: ISSUER, audience: AUDIENCE, secret: 'short' })).toThrow(/32 bytes/);
  });

  it('keeps the verified token beside the principal for token exchange, never inside it', async () => {
    const p = { id: 'x', kind: 'jwt' as const, scopes: [], claims: {} };
    attachCredential(p, 'tok');
    expect(credentialOf(p)).toBe('tok');
    expect(JSON.stringify(p)).not.toContain('tok');
  });
});
