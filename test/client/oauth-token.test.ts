// The token requests the gateway makes for its own upstream credentials, as a token endpoint on 127.0.0.1 receives
// them: a client secret (Basic), a private key (a JWT the endpoint verifies with the public key: private_key_jwt), and
// a workload's JWT (the JWT-bearer grant, its file read afresh for each token).
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientCredentialsToken, workloadIdentityToken } from '../../src/client/oauth-token.js';

const dir = mkdtempSync(join(tmpdir(), 'mcplex-oauth-token-'));
let server: Server;
let tokenUrl = '';
/** What the endpoint received: its form and Authorization header. */
const received: Array<{ form: URLSearchParams; authorization: string | undefined }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d));
    req.on('end', () => {
      received.push({ form: new URLSearchParams(body), authorization: req.headers.authorization });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: `token-${received.length}`, token_type: 'Bearer', expires_in: 300 }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  tokenUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe("the gateway's own token requests", () => {
  it('a client secret goes as Basic, never in the form', async () => {
    await clientCredentialsToken({ tokenUrl, clientId: 'crm', clientSecret: 's3cret' });
    const { form, authorization } = received.at(-1)!;
    expect(authorization).toBe(`Basic ${Buffer.from('crm:s3cret').toString('base64')}`);
    expect(form.get('grant_type')).toBe('client_credentials');
    expect(form.has('client_secret')).toBe(false);
  });

  it('a private key signs a short-lived assertion about the client, for the audience configured', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const keyFile = join(dir, 'client.pem');
    writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const issued = await clientCredentialsToken({ tokenUrl, clientId: 'reports', privateKeyFile: keyFile, assertionAudience: 'https://idp.example' });
    expect(issued.accessToken).toMatch(/^token-/);
    const { form, authorization } = received.at(-1)!;
    expect(authorization).toBeUndefined();
    expect(form.get('client_id')).toBe('reports');
    expect(form.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    const { payload, protectedHeader } = await jwtVerify(form.get('client_assertion')!, publicKey, { audience: 'https://idp.example', issuer: 'reports', subject: 'reports' });
    expect(protectedHeader.alg).toBe('ES256');
    expect(payload.exp! - payload.iat!).toBe(300);
    expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);
    // Without an audience, the token endpoint's URL.
    await clientCredentialsToken({ tokenUrl, clientId: 'reports', privateKeyFile: keyFile });
    await expect(jwtVerify(received.at(-1)!.form.get('client_assertion')!, publicKey, { audience: tokenUrl })).resolves.toBeTruthy();
    await expect(clientCredentialsToken({ tokenUrl, clientId: 'reports', privateKeyFile: join(dir, 'absent.pem') })).rejects.toThrow(/cannot use the key in .*absent\.pem for ES256: ENOENT/);
  });

  it("a workload's JWT, read afresh for each token, with the client's id alone", async () => {
    const tokenFile = join(dir, 'workload.jwt');
    writeFileSync(tokenFile, 'eyJ.first.jwt\n');
    await workloadIdentityToken({ tokenUrl, clientId: 'gateway', tokenFile, resource: 'https://search.internal/mcp' });
    const first = received.at(-1)!;
    expect(first.authorization).toBeUndefined();
    expect(Object.fromEntries(first.form)).toEqual({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: 'eyJ.first.jwt', client_id: 'gateway', resource: 'https://search.internal/mcp' });
    // The platform rotated it.
    writeFileSync(tokenFile, 'eyJ.second.jwt');
    await workloadIdentityToken({ tokenUrl, clientId: 'gateway', tokenFile });
    expect(received.at(-1)!.form.get('assertion')).toBe('eyJ.second.jwt');
    await expect(workloadIdentityToken({ tokenUrl, clientId: 'gateway', tokenFile: join(dir, 'gone.jwt') })).rejects.toThrow(/workload identity: cannot read .*gone\.jwt: ENOENT/);
  });
});
