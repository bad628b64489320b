// The pipeline half of authentication: `requireAuth` refuses anonymous callers the edge let in and principals
// missing a scope, with the right JSON-RPC codes, in both eras, over HTTP and for the stdio/in-memory principal.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectInMemory, createAuthenticator, ErrorCode, type HttpHandle, newApiKey, requireAuth } from '../../src/index.js';
import { connectHttp } from '../helpers/clients.js';
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
