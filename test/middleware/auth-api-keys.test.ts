// API keys at the edge of a framework server: Bearer and X-API-Key, unknown keys, sessions bound to the principal
// that opened them (another principal gets 404 and cannot DELETE), identity smuggled in `_meta` or headers, and
// the server still serving after each refusal — in both eras with the official SDK client.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_SCOPE, ApiKeys, createAuthenticator, ErrorCode, hashApiKey, type HttpHandle, newApiKey } from '../../src/index.js';
import { modernMeta, post, rawRequest, rpcMessage } from '../helpers/http.js';
import { connectWith, serveAuth, toolCall, whoami } from './auth-fixture.js';

const alice = newApiKey();
const bob = newApiKey();
const admin = newApiKey();

describe('API keys', () => {
  it('are mcplex_-prefixed, 256-bit, and verified only by their sha256 hash', () => {
    expect(alice.key).toMatch(/^mcplex_[A-Za-z0-9_-]{43}$/);
    expect(alice.hash).toBe(hashApiKey(alice.key));
    expect(alice.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    const keys = new ApiKeys({ [alice.hash]: { id: 'alice', scopes: ['a'] } });
    expect(keys.verify(alice.key)?.id).toBe('alice');
    expect(keys.verify(bob.key)).toBeUndefined();
    expect(keys.verify(alice.hash)).toBeUndefined();
    expect(() => new ApiKeys({ [alice.key]: { id: 'raw' } })).toThrow(/sha256/);
  });
});

describe('API-key authentication at the HTTP edge', () => {
  let handle: HttpHandle;
  beforeAll(async () => {
    const auth = createAuthenticator({
      apiKeys: {
        [alice.hash]: { id: 'alice', tenant: 'acme', scopes: ['tools'] },
        [bob.hash]: { id: 'bob', tenant: 'globex' },
        [admin.hash]: { id: 'root', scopes: [ADMIN_SCOPE] },
      },
    });
    handle = await serveAuth({ auth, readiness: () => ({ upstreams: ['secret-detail'] }) });
  });
  afterAll(() => handle.close());

  for (const era of ['legacy', 'modern'] as const) {
    it(`lets the SDK client (${era}) in with Authorization: Bearer or X-API-Key, as the key's principal`, async () => {
      const viaBearer = await connectWith(handle.url, era, { authorization: `Bearer ${alice.key}` });
      const viaHeader = await connectWith(handle.url, era, { 'x-api-key': bob.key });
      try {
        expect(await whoami(viaBearer)).toEqual({ id: 'alice', kind: 'apiKey', tenant: 'acme', scopes: ['tools'] });
        expect(await whoami(viaHeader)).toMatchObject({ id: 'bob', kind: 'apiKey', tenant: 'globex' });
      } finally {
        await Promise.allSettled([viaBearer.close(), viaHeader.close()]);
      }
    });

    it(`ignores identity smuggled in _meta, arguments or headers (${era})`, async () => {
      const client = await connectWith(handle.url, era, {
        authorization: `Bearer ${alice.key}`,
        'x-mcplex-principal': 'root',
        'x-forwarded-user': 'root',
        'x-user-id': 'root',
      });
      try {
        const who = await whoami(client, { principal: 'root', userId: 'root' }, { principal: { id: 'root', scopes: [ADMIN_SCOPE] }, 'mcplex/principal': 'root' });
        expect(who).toEqual({ id: 'alice', kind: 'apiKey', tenant: 'acme', scopes: ['tools'] });
      } finally {
        await client.close();
      }
    });

    it(`refuses the SDK client (${era}) without a key or with an unknown one`, async () => {
      await expect(connectWith(handle.url, era, {})).rejects.toThrow();
      await expect(connectWith(handle.url, era, { authorization: `Bearer ${newApiKey().key}` })).rejects.toThrow();
    });
  }

  it('answers 401 (400 for malformed requests) with a Bearer challenge, and keeps serving', async () => {
    const cases: Array<[Record<string, string>, number, RegExp]> = [
      [{}, 401, /^Bearer realm="mcplex", resource_metadata="http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource\/mcp"$/],
      [{ authorization: `Bearer ${newApiKey().key}` }, 401, /error="invalid_token", error_description="Invalid token: unknown API key"/],
      [{ 'x-api-key': 'mcplex_guess' }, 401, /error="invalid_token"/],
      // Another scheme is no credential here: the bare challenge names the one to use.
      [{ authorization: `Basic ${Buffer.from('alice:pw').toString('base64')}` }, 401, /^Bearer realm="mcplex", resource_metadata="[^"]+"$/],
      [{ authorization: `Bearer ${alice.key}`, 'x-api-key': alice.key }, 400, /error="invalid_request"/],
      [{ authorization: 'Bearer two words' }, 400, /error="invalid_request"/],
    ];
    for (const [headers, status, challenge] of cases) {
      const res = await post(handle.url, toolCall(1, 'echo', { text: 'x' }), headers);
      expect(res.status, JSON.stringify(headers)).toBe(status);
      expect(String(res.headers['www-authenticate'])).toMatch(challenge);
      expect(rpcMessage(res).error?.code).toBe(status === 400 ? ErrorCode.InvalidRequest : ErrorCode.Unauthorized);
      // The answer never repeats what was sent.
      expect(res.text).not.toContain('mcplex_guess');
    }
    const call = { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { text: 'still here' }, _meta: modernMeta() } };
    const ok = await post(handle.url, call, { authorization: `Bearer ${alice.key}`, 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'echo' });
    expect(ok.status).toBe(200);
    expect(rpcMessage(ok).result?.content).toEqual([{ type: 'text', text: 'echo: still here' }]);
  });

  it('refuses an unauthenticated body without reading it, closing that connection', async () => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { text: 'x'.repeat(1 << 20) } } });
    const res = await rawRequest(handle.url, { headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body, chunkBytes: 64 * 1024 });
    expect(res.status).toBe(401);
    expect(res.headers.connection).toBe('close');
  });

  it('authenticates GET and DELETE too, and binds a 2025-era session to the principal that opened it', async () => {
    const aliceAuth = { authorization: `Bearer ${alice.key}` };
    const init = await post(
      handle.url,
      { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } },
      aliceAuth,
    );
    const sid = String(init.headers['mcp-session-id']);
    expect(init.status).toBe(200);
    const session = { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' };
    expect((await post(handle.url, { jsonrpc: '2.0', method: 'notifications/initialized' }, { ...aliceAuth, ...session })).status).toBe(202);

    // No credentials: refused before the session is looked up.
    expect((await rawRequest(handle.url, { method: 'GET', headers: { accept: 'text/event-stream', ...session } })).status).toBe(401);
    expect((await rawRequest(handle.url, { method: 'DELETE', headers: session })).status).toBe(401);
    // Bob holds Alice's session id: it does not exist for him, and he cannot close it.
    const bobAuth = { authorization: `Bearer ${bob.key}` };
    const hijack = await post(handle.url, toolCall(1, 'whoami'), { ...bobAuth, ...session });
    expect(hijack.status).toBe(404);
    expect(rpcMessage(hijack).error?.code).toBe(ErrorCode.SessionNotFound);
    expect((await rawRequest(handle.url, { method: 'DELETE', headers: { ...bobAuth, ...session } })).status).toBe(404);
    expect((await rawRequest(handle.url, { method: 'GET', headers: { ...bobAuth, ...session, accept: 'text/event-stream' } })).status).toBe(404);
    // Alice's session is untouched.
    const mine = await post(handle.url, toolCall(2, 'whoami'), { ...aliceAuth, ...session });
    expect(mine.status).toBe(200);
    const content = rpcMessage(mine).result?.content as Array<{ text: string }>;
    expect(JSON.parse(content[0]!.text).id).toBe('alice');
    expect((await rawRequest(handle.url, { method: 'DELETE', headers: { ...aliceAuth, ...session } })).status).toBe(200);
    expect((await post(handle.url, toolCall(3, 'whoami'), { ...aliceAuth, ...session })).status).toBe(404);
  });

  it('shows readiness detail only to a principal with the admin scope', async () => {
    const origin = new URL(handle.url).origin;
    const asAlice = await rawRequest(`${origin}/readyz`, { method: 'GET', headers: { authorization: `Bearer ${alice.key}` } });
    const asNobody = await rawRequest(`${origin}/readyz`, { method: 'GET' });
    const asAdmin = await rawRequest(`${origin}/readyz`, { method: 'GET', headers: { authorization: `Bearer ${admin.key}` } });
    expect(asNobody.status).toBe(200);
    expect(asAlice.text).not.toContain('secret-detail');
    expect(asNobody.text).not.toContain('secret-detail');
    expect(JSON.parse(asAdmin.text)).toMatchObject({ ready: true, upstreams: ['secret-detail'] });
  });

  it('serves RFC 9728 protected-resource metadata at both well-known paths, without credentials', async () => {
    const origin = new URL(handle.url).origin;
    for (const path of ['/.well-known/oauth-protected-resource', '/.well-known/oauth-protected-resource/mcp']) {
      const res = await rawRequest(`${origin}${path}`, { method: 'GET' });
      expect(res.status).toBe(200);
      expect(JSON.parse(res.text)).toMatchObject({ resource: handle.url, bearer_methods_supported: ['header'] });
    }
  });
});
