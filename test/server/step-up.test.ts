// The scope challenge of the MCP authorization spec: a caller with an OAuth token that lacks a tool's scope is answered
// 403 with `WWW-Authenticate: Bearer error="insufficient_scope", scope=…` (the JSON-RPC error still in the body), in
// both eras, so its client re-authorizes for more by itself; a caller with an API key, which cannot step up, keeps the
// in-band error (200). The official SDK client turns the 403 into its InsufficientScopeError (or, with an auth
// provider, a new authorization: test/gateway/oauth-proxy.test.ts).
import { Client, InsufficientScopeError, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createAuthenticator, createServer, ErrorCode, type HttpHandle, newApiKey, silentLogger } from '../../src/index.js';
import { modernMeta, post, rpcMessage } from '../helpers/http.js';

const SECRET = 'a-shared-secret-for-step-up-tests-0123456789';
const key = newApiKey();
let http: HttpHandle;
let token: string;

beforeAll(async () => {
  const server = createServer({ name: 'notes', version: '1.0.0', logger: silentLogger });
  server.tool('read', { description: 'Reads', input: z.object({}) }, () => 'read');
  server.tool('append', { description: 'Appends', scopes: ['notes:write'], input: z.object({}) }, () => 'appended');
  const auth = createAuthenticator({ apiKeys: { [key.hash]: { id: 'bot', scopes: ['notes:read'] } }, jwt: { issuer: 'https://idp.test', audience: 'notes', secret: SECRET } });
  http = await server.serveHttp({ auth });
  token = await new SignJWT({ scope: 'notes:read' }).setProtectedHeader({ alg: 'HS256' }).setIssuer('https://idp.test').setAudience('notes').setSubject('dana').setExpirationTime('5m').sign(new TextEncoder().encode(SECRET));
});
afterAll(() => http?.close());

const call = (name: string) => ({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name, arguments: {}, _meta: modernMeta() } });
const modern = (name: string) => ({ 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': name });

describe('a tool call refused for want of scope', () => {
  it('is 403 with the challenge for an OAuth caller (2026-07-28), the error in the body', async () => {
    const refused = await post(http.url, call('append'), { ...modern('append'), authorization: `Bearer ${token}` });
    expect(refused.status).toBe(403);
    expect(refused.headers['www-authenticate']).toMatch(/^Bearer .*error="insufficient_scope"/);
    expect(refused.headers['www-authenticate']).toMatch(/scope="notes:write"/);
    expect(refused.headers['www-authenticate']).toMatch(/resource_metadata="http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource\/mcp"/);
    expect(rpcMessage(refused)).toMatchObject({ id: 7, error: { code: ErrorCode.Forbidden, data: { error: 'insufficient_scope', scope: 'notes:write' } } });
    // What it may call is answered as ever.
    const allowed = await post(http.url, call('read'), { ...modern('read'), authorization: `Bearer ${token}` });
    expect(allowed.status).toBe(200);
  });

  it('stays in band (200) for an API key, which cannot step up', async () => {
    const refused = await post(http.url, call('append'), { ...modern('append'), 'x-api-key': key.key });
    expect(refused.status).toBe(200);
    expect(refused.headers['www-authenticate']).toBeUndefined();
    expect(rpcMessage(refused).error?.code).toBe(ErrorCode.Forbidden);
  });

  it('reaches the SDK client as a scope challenge in the 2025 era too', async () => {
    const client = new Client({ name: 'step-up', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(http.url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
    try {
      expect((await client.callTool({ name: 'read', arguments: {} })).content).toEqual([{ type: 'text', text: 'read' }]);
      const refused = await client.callTool({ name: 'append', arguments: {} }).catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(InsufficientScopeError);
      expect((refused as InsufficientScopeError).requiredScope).toBe('notes:write');
      // The session goes on.
      expect((await client.callTool({ name: 'read', arguments: {} })).content).toEqual([{ type: 'text', text: 'read' }]);
    } finally {
      await client.close();
    }
  });
});
