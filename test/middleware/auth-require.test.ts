// The pipeline half of authentication: `requireAuth` refuses anonymous callers the edge let in and principals
// missing a scope, with the right JSON-RPC codes, in both eras, over HTTP and for the stdio/in-memory principal.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectInMemory, createAuthenticator, ErrorCode, type HttpHandle, newApiKey, requireAuth } from '../../src/index.js';
import { connectHttp } from '../helpers/clients.js';
import { modernMeta, post, rpcMessage } from '../helpers/http.js';
import { authServer, authServerWith, connectWith, whoami } from './auth-fixture.js';

describe('requireAuth', () => {
  const writer = newApiKey();
  const reader = newApiKey();
  let handle: HttpHandle;
  beforeAll(async () => {
    const auth = createAuthenticator({ anonymous: true, apiKeys: { [writer.hash]: { id: 'w', scopes: ['tools:call'] }, [reader.hash]: { id: 'r' } } });
    handle = await authServer(requireAuth({ scopes: ['tools:call'] })).serveHttp({ port: 0, auth });
  });
  afterAll(() => handle.close());

  for (const era of ['legacy', 'modern'] as const) {
    it(`lets anonymous callers connect but refuses their calls, and refuses principals without the scope (${era})`, async () => {
      const anonymous = await connectHttp(handle.url, era);
      const weak = await connectWith(handle.url, era, { 'x-api-key': reader.key });
      const strong = await connectWith(handle.url, era, { 'x-api-key': writer.key });
      try {
        await expect(anonymous.callTool({ name: 'echo', arguments: { text: 'x' } })).rejects.toMatchObject({ code: ErrorCode.Unauthorized });
        await expect(weak.callTool({ name: 'echo', arguments: { text: 'x' } })).rejects.toMatchObject({ code: ErrorCode.Forbidden, message: expect.stringContaining('tools:call') });
        await expect(weak.listTools()).rejects.toMatchObject({ code: ErrorCode.Forbidden });
        expect((await whoami(strong)).id).toBe('w');
      } finally {
        await Promise.allSettled([anonymous.close(), weak.close(), strong.close()]);
      }
    });
  }

  it('answers a 2026-era refusal that carries an HTTP status with the Bearer challenge (401, 403 insufficient_scope)', async () => {
    // A listen is answered by the SDK once the pipeline admits it, so its refusal is an HTTP status.
    const listen = { jsonrpc: '2.0', id: 1, method: 'subscriptions/listen', params: { _meta: modernMeta(), notifications: { toolsListChanged: true } } };
    const modern = { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'subscriptions/listen' };
    const anonymous = await post(handle.url, listen, modern);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['www-authenticate']).toMatch(/^Bearer realm="mcplex"/);
    expect(anonymous.headers['www-authenticate']).not.toContain('error=');
    const weak = await post(handle.url, listen, { ...modern, 'x-api-key': reader.key });
    expect(weak.status).toBe(403);
    expect(weak.headers['www-authenticate']).toMatch(/error="insufficient_scope"/);
    expect(weak.headers['www-authenticate']).toMatch(/scope="tools:call"/);
    expect(rpcMessage(weak).error?.code).toBe(ErrorCode.Forbidden);
  });

  it('passes the configured local principal of in-memory and stdio connections', async () => {
    const local = { id: 'me', kind: 'local' as const, scopes: ['tools:call'], claims: {} };
    const client = await connectInMemory(authServerWith({ localPrincipal: local }, requireAuth({ scopes: ['tools:call'] })));
    const anonymous = await connectInMemory(authServer(requireAuth()));
    try {
      expect(await whoami(client)).toMatchObject({ id: 'me', kind: 'local' });
      await expect(anonymous.callTool({ name: 'whoami', arguments: {} })).rejects.toMatchObject({ code: ErrorCode.Unauthorized });
    } finally {
      await Promise.allSettled([client.close(), anonymous.close()]);
    }
  });
});
