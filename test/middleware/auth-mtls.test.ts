// Mutual TLS at the edge: HTTPS with a client CA; a verified client certificate's CN or SAN becomes the principal,
// a certificate from another CA counts as none, and `requireClientCert` refuses the handshake without one.
import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator, type HttpHandle, newApiKey } from '../../src/index.js';
import { modernMeta } from '../helpers/http.js';
import { makePki, type Pem, type TestPki } from './auth-mtls-certs.js';
import { serveAuth } from './auth-fixture.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A 2026-era whoami over HTTPS, presenting `client` (if any), trusting only the test CA. */
function whoamiOverTls(url: string, ca: string, client?: Pem, headers: Record<string, string> = {}): Promise<Reply> {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami', arguments: {}, _meta: modernMeta() } });
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        ca,
        ...(client && { cert: client.cert, key: client.key }),
        agent: false,
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'whoami', ...headers },
        timeout: 10_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end(body);
  });
}

const who = (r: Reply) => JSON.parse((JSON.parse(r.body).result.content as Array<{ text: string }>)[0]!.text) as { id: string; kind: string; scopes: string[]; tenant?: string };

describe('mTLS', () => {
  let pki: TestPki;
  let handle: HttpHandle;
  const key = newApiKey();

  beforeAll(() => {
    pki = makePki([
      { name: 'client-a', cn: 'client-a', san: 'URI:spiffe://test/client-a' },
      { name: 'client-b', cn: 'client-b' },
      { name: 'no-cn', san: 'DNS:svc.internal' },
    ]);
  });
  afterAll(async () => {
    await handle?.close();
    pki?.cleanup();
  });

  it('serves HTTPS and maps a verified client certificate to its configured principal', async () => {
    const auth = createAuthenticator({
      mtls: { principals: { 'client-a': { id: 'svc-a', tenant: 'acme', scopes: ['tools'] }, 'client-b': {} } },
      apiKeys: { [key.hash]: { id: 'keyholder' } },
    });
    handle = await serveAuth({ auth, tls: { ...pki.server, ca: pki.ca.cert } });
    expect(handle.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/mcp$/);
    const a = await whoamiOverTls(handle.url, pki.ca.cert, pki.client('client-a'));
    expect(a.status).toBe(200);
    expect(who(a)).toEqual({ id: 'svc-a', kind: 'mtls', tenant: 'acme', scopes: ['tools'] });
    expect(who(await whoamiOverTls(handle.url, pki.ca.cert, pki.client('client-b')))).toMatchObject({ id: 'client-b', kind: 'mtls', scopes: [] });
    // A bearer credential on the same connection takes precedence over the certificate.
    expect(who(await whoamiOverTls(handle.url, pki.ca.cert, pki.client('client-a'), { 'x-api-key': key.key })).id).toBe('keyholder');
  });

  it('refuses no certificate, an unlisted or name-less one, and one from an untrusted CA, and keeps serving', async () => {
    const none = await whoamiOverTls(handle.url, pki.ca.cert);
    expect(none.status).toBe(401);
    expect(String(none.headers['www-authenticate'])).toMatch(/^Bearer realm="mcplex", resource_metadata="https:\/\/127\.0\.0\.1:\d+\//);
    // Signed by a CA the server does not trust (with the CN of a listed client): not verified, so no identity.
    expect((await whoamiOverTls(handle.url, pki.ca.cert, pki.rogue)).status).toBe(401);
    expect((await whoamiOverTls(handle.url, pki.ca.cert, pki.client('no-cn'))).status).toBe(401);
    expect(who(await whoamiOverTls(handle.url, pki.ca.cert, pki.client('client-a'))).id).toBe('svc-a');
  });

  it('maps a SAN when configured, and with requireClientCert refuses the TLS handshake without a valid certificate', async () => {
    await handle.close();
    handle = await serveAuth({ auth: createAuthenticator({ mtls: { identity: 'san-uri', scopes: ['s'] } }), tls: { ...pki.server, ca: pki.ca.cert, requireClientCert: true } });
    expect(who(await whoamiOverTls(handle.url, pki.ca.cert, pki.client('client-a')))).toMatchObject({ id: 'spiffe://test/client-a', scopes: ['s'] });
    await expect(whoamiOverTls(handle.url, pki.ca.cert)).rejects.toThrow();
    await expect(whoamiOverTls(handle.url, pki.ca.cert, pki.rogue)).rejects.toThrow();
    expect((await whoamiOverTls(handle.url, pki.ca.cert, pki.client('client-b'))).status).toBe(401);
    expect(who(await whoamiOverTls(handle.url, pki.ca.cert, pki.client('client-a'))).id).toBe('spiffe://test/client-a');
  });
});
