// Client ID Metadata Documents fetched as an authorization server here does (an OAuth proxy's clients known by
// URL): from a real https server (a test CA), kept and shared between concurrent asks, and refused with the reason
// when the document breaks the draft's rules, is too large, is not there, or lives on an address the server may not
// reach (the loopback address, unless allowed).
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientMetadataDocuments, clientIdUrlProblem } from '../../src/server/http/client-metadata-documents.js';
import { makePki, type TestPki } from '../middleware/auth-mtls-certs.js';

let pki: TestPki;
let server: Server;
let base = '';
/** Requests the document server answered, by path. */
const served = new Map<string, number>();
/** What each path answers: a status, a content type, a body (a document naming `base + path` by default). */
const answers = new Map<string, { status?: number; type?: string; body?: unknown; cacheControl?: string }>();
const doc = (path: string, more: Record<string, unknown> = {}) => ({ client_id: `${base}${path}`, client_name: 'Desk App', redirect_uris: ['http://127.0.0.1:9/cb'], ...more });

beforeAll(async () => {
  pki = makePki([]);
  server = createServer({ cert: pki.server.cert, key: pki.server.key }, (req, res) => {
    const path = req.url ?? '/';
    served.set(path, (served.get(path) ?? 0) + 1);
    const a = answers.get(path) ?? { status: 404 };
    const body = typeof a.body === 'string' ? a.body : JSON.stringify(a.body ?? doc(path));
    res.writeHead(a.status ?? 200, { 'content-type': a.type ?? 'application/json', ...(a.cacheControl && { 'cache-control': a.cacheControl }) }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  pki.cleanup();
});

const allowed = () => new ClientMetadataDocuments({ allowAddresses: ['127.0.0.1'] }, { ca: pki.ca.cert });

describe('client metadata documents', () => {
  it('describes the client its document names, fetched once for many asks at once and kept', async () => {
    answers.set('/desk/client.json', { cacheControl: 'public, max-age=300' });
    const documents = allowed();
    const asks = await Promise.all(Array.from({ length: 5 }, () => documents.describe(`${base}/desk/client.json`)));
    for (const described of asks) expect(described).toEqual({ client: { client_name: 'Desk App', redirect_uris: ['http://127.0.0.1:9/cb'] } });
    expect(await documents.describe(`${base}/desk/client.json`)).toEqual(asks[0]);
    expect(served.get('/desk/client.json')).toBe(1);
  });

  it('refuses a document that breaks the rules, saying why', async () => {
    const cases: Array<[string, { status?: number; type?: string; body?: unknown }, RegExp]> = [
      ['/other-id.json', { body: { ...doc('/x'), client_id: 'https://elsewhere.example/client.json' } }, /names another client_id \(https:\/\/elsewhere\.example\/client\.json\)/],
      ['/secret.json', { body: doc('/secret.json', { client_secret: 's3cret' }) }, /holds a client secret/],
      ['/basic.json', { body: doc('/basic.json', { token_endpoint_auth_method: 'client_secret_basic' }) }, /token_endpoint_auth_method client_secret_basic; this server takes public clients \(none\)/],
      ['/no-uris.json', { body: doc('/no-uris.json', { redirect_uris: [] }) }, /must list 1 to 10 redirect_uris/],
      ['/http-uri.json', { body: doc('/http-uri.json', { redirect_uris: ['http://evil.example/cb'] }) }, /has a redirect URI that is http but not on the loopback address/],
      ['/js-uri.json', { body: doc('/js-uri.json', { redirect_uris: ['javascript:alert(1)'] }) }, /uses javascript:/],
      ['/big.json', { body: doc('/big.json', { padding: 'x'.repeat(6000) }) }, /could not be fetched: it is larger than 5120 bytes/],
      ['/html.json', { type: 'text/html', body: '<html></html>' }, /is not JSON \(Content-Type: text\/html\)/],
      ['/broken.json', { body: '{"client_id":' }, /is not valid JSON/],
      ['/array.json', { body: [] }, /is not a JSON object/],
      ['/missing.json', { status: 404 }, /answered HTTP 404/],
    ];
    const documents = allowed();
    for (const [path, answer, why] of cases) {
      answers.set(path, answer);
      const described = await documents.describe(`${base}${path}`);
      expect(described, path).toHaveProperty('problem');
      expect((described as { problem: string }).problem, path).toMatch(why);
      expect((described as { problem: string }).problem, path).toContain(`the client metadata document at ${base}${path}`);
    }
  });

  it('takes only https URLs with a path, no fragment, no credentials, in their normal form', () => {
    expect(clientIdUrlProblem('https://app.example/client.json')).toBeUndefined();
    expect(clientIdUrlProblem('http://app.example/client.json')).toBe('is not https');
    expect(clientIdUrlProblem('https://app.example/')).toBe('has no path');
    expect(clientIdUrlProblem('https://app.example/client.json#x')).toBe('has a fragment');
    expect(clientIdUrlProblem('https://me:pw@app.example/client.json')).toBe('carries credentials');
    expect(clientIdUrlProblem('https://app.example/a/../client.json')).toBe('is not in its normal form (https://app.example/client.json)');
    expect(clientIdUrlProblem('https://APP.example/client.json')).toBe('is not in its normal form (https://app.example/client.json)');
  });

  it('does not reach the loopback address or private networks unless allowed', async () => {
    answers.set('/private.json', {});
    const documents = new ClientMetadataDocuments({}, { ca: pki.ca.cert });
    const byAddress = await documents.describe(`${base}/private.json`);
    expect(byAddress).toEqual({ problem: expect.stringMatching(/could not be fetched: .*127\.0\.0\.1.* is not allowed\. Because, It is private IP address\./) });
    // A name that resolves to the loopback address is refused as well (DNS is checked, not the name).
    const byName = await documents.describe(`https://localhost:${new URL(base).port}/private.json`);
    expect(byName).toEqual({ problem: expect.stringMatching(/is not allowed\. Because, It is private IP address\./) });
    expect(served.get('/private.json')).toBeUndefined();
    // Another allowed address does not open this one.
    const elsewhere = new ClientMetadataDocuments({ allowAddresses: ['10.0.0.0/8'] }, { ca: pki.ca.cert });
    expect(await elsewhere.describe(`${base}/private.json`)).toHaveProperty('problem');
    expect(served.get('/private.json')).toBeUndefined();
    expect(await allowed().describe(`${base}/private.json`)).toHaveProperty('client');
    expect(served.get('/private.json')).toBe(1);
  });
});
