// DPoP nonces (RFC 9449 §9) in a framework server, on both of its HTTP entries (serveHttp's node listener and the
// web-standard fetchHandler): a proof without a nonce is answered 401 use_dpop_nonce with the nonce to use in
// `DPoP-Nonce`; one with the current nonce is served; one with the window before's is served too, and its answer
// carries the current nonce for the client's next proofs. Proofs are the official SDK client's (`DpopSession`).
import { DpopSession } from '@modelcontextprotocol/client';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createAuthenticator, createServer, DpopNonces, type McpFetchHandler, silentLogger } from '../../src/index.js';
import { freePort } from '../helpers/http.js';
import { serveFetch } from '../helpers/serve-fetch.js';

const ISSUER = 'https://auth.example.com';
const KEY = 'a-dpop-nonce-key-0123456789abcdef';
const closers: Array<() => Promise<unknown>> = [];
afterAll(() => Promise.all(closers.map((c) => c())));

/** A framework server on `entry`, taking DPoP-bound JWTs for its URL with nonces; its URL and a signer of tokens. */
async function serving(entry: 'serveHttp' | 'fetchHandler') {
  const pair = await generateKeyPair('ES256');
  const publicKey = await exportSPKI(pair.publicKey);
  const authFor = (audience: string) => createAuthenticator({ jwt: { issuer: ISSUER, audience, publicKey, dpopNonce: { key: KEY, lifetimeSeconds: 60 } }, verifiedCacheMs: 0 });
  const server = createServer({ name: 'nonces', version: '1.0.0', logger: silentLogger });
  server.tool('whoami', { description: 'Who is calling', input: z.object({}) }, (_a, ctx) => ctx.principal.id);
  let url: string;
  if (entry === 'serveHttp') {
    const port = await freePort();
    url = `http://127.0.0.1:${port}/mcp`;
    const http = await server.serveHttp({ port, auth: authFor(url) });
    closers.push(() => http.close());
  } else {
    // The handler is made once the listener's URL (the tokens' audience) is known.
    let handler: McpFetchHandler | undefined;
    const served = await serveFetch((request) => handler!.fetch(request));
    url = served.url;
    handler = server.fetchHandler({ auth: authFor(url) });
    closers.push(() => handler!.close(), () => served.close());
  }
  return { url, sign: signer(pair.privateKey, url) };
}

const signer = (key: CryptoKey, audience: string) => (jkt: string) =>
  new SignJWT({ scope: 'mcp', cnf: { jkt } }).setProtectedHeader({ alg: 'ES256' }).setIssuer(ISSUER).setAudience(audience).setSubject('alice').setIssuedAt().setExpirationTime('5m').sign(key);

describe.each(['serveHttp', 'fetchHandler'] as const)('DPoP nonces on %s', (entry) => {
  it('asks for a nonce, serves the current one and the one before, and hands out the next with the latter', async () => {
    const { url, sign } = await serving(entry);
    const session = await DpopSession.create();
    const token = await sign(session.thumbprint);
    const post = async (nonce?: string) =>
      fetch(url, {
        method: 'POST',
        headers: {
          authorization: `DPoP ${token}`,
          dpop: await session.buildProof({ htm: 'POST', htu: url, accessToken: token, ...(nonce !== undefined && { nonce }) }),
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2026-07-28',
          'mcp-method': 'server/discover',
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'server/discover', params: { _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {}, 'io.modelcontextprotocol/clientInfo': { name: 't', version: '1' } } } }),
      });
    const nonces = new DpopNonces({ key: KEY, lifetimeSeconds: 60 });
    const asked = await post();
    expect(asked.status).toBe(401);
    expect(asked.headers.get('www-authenticate')).toMatch(/^DPoP .*error="use_dpop_nonce"/);
    const current = asked.headers.get('dpop-nonce');
    expect(nonces.check(current)).toBe('current');
    const served = await post(current!);
    expect(served.status).toBe(200);
    expect(served.headers.get('dpop-nonce')).toBeNull();
    const before = await post(nonces.current(Date.now() - 60_000));
    expect(before.status).toBe(200);
    expect(before.headers.get('dpop-nonce')).toBe(nonces.current());
  });
});
