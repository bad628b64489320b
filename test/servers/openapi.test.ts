// The OpenAPI reference server against a real HTTP API (test/servers/petstore-api.ts) and its published document
// (test/fixtures/openapi/petstore.yaml, also served by URL), through the official SDK client in both eras.
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectInMemory, silentLogger } from '../../src/index.js';
import { createOpenApiServer, type OpenApiOptions } from '../../src/servers/openapi/index.js';
import { PETSTORE_SPEC, type PetstoreApi, startPetstore, TOKEN } from './petstore-api.js';

type Result = { content: Array<{ text?: string }>; isError?: boolean; structuredContent?: Record<string, unknown>; _meta?: Record<string, unknown> };
const text = (r: Result) => r.content.map((c) => c.text ?? '').join('');

let api: PetstoreApi;
beforeAll(async () => {
  api = await startPetstore();
});
afterAll(() => api.close());

/** The test API is on 127.0.0.1, so loopback is allowed explicitly (the SSRF guard's default refuses it). */
const local = (extra: Partial<OpenApiOptions> = {}): OpenApiOptions => ({
  spec: PETSTORE_SPEC,
  baseUrl: `${api.origin}/v1`,
  allowPrivateNetwork: true,
  auth: { type: 'bearer', env: 'PETSTORE_TOKEN' },
  env: { PETSTORE_TOKEN: TOKEN },
  ...extra,
});
const connect = async (opts: OpenApiOptions, era: 'legacy' | 'modern' = 'legacy') => connectInMemory(await createOpenApiServer(opts, { logger: silentLogger }), { era });

describe.each(['legacy', 'modern'] as const)('OpenAPI server on the petstore (%s era)', (era) => {
  let client: Client;
  const call = async (name: string, args: Record<string, unknown>) => (await client.callTool({ name, arguments: args })) as Result;
  beforeAll(async () => {
    client = await connect(local(), era);
  });
  afterAll(() => client.close());

  it('makes one tool per operation with input, output schemas and annotations', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['listPets', 'createPets', 'showPetById', 'deletePet']);
    const show = tools.find((t) => t.name === 'showPetById')!;
    expect(show.inputSchema).toMatchObject({ properties: { petId: { type: 'string' } }, required: ['petId'] });
    expect(show.outputSchema).toMatchObject({ properties: { status: { type: 'integer' }, body: { allOf: expect.any(Array) } } });
    expect(show.annotations).toMatchObject({ readOnlyHint: true, openWorldHint: true });
    expect(tools.find((t) => t.name === 'deletePet')!.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true });
    const create = tools.find((t) => t.name === 'createPets')!;
    expect(create.inputSchema).toMatchObject({ properties: { body: { required: ['name'], properties: { tag: { type: ['string', 'null'] } } } }, required: ['body'] });
    expect(tools.find((t) => t.name === 'listPets')!.description).toContain('Paginated: pass limit, cursor');
  });

  it('calls operations with path, query and body arguments, and sends the bearer token', async () => {
    const one = await call('showPetById', { petId: '2' });
    expect(one.structuredContent).toEqual({ status: 200, body: { id: 2, name: 'Tom', tag: 'cat' } });
    const page = await call('listPets', { limit: 2 });
    expect(page.structuredContent).toMatchObject({ status: 200, body: [{ name: 'Rex' }, { name: 'Tom' }] });
    expect(page._meta).toMatchObject({ nextPage: '/v1/pets?limit=2&cursor=2' });
    expect(text(page)).toContain('More results: /v1/pets?limit=2&cursor=2');
    const created = await call('createPets', { body: { name: `Fido-${era}`, tag: 'dog' } });
    expect(created.structuredContent).toMatchObject({ status: 201, body: { name: `Fido-${era}` } });
    expect(api.requests.at(-1)).toMatchObject({ method: 'POST', authorization: `Bearer ${TOKEN}` });
  });

  it('turns API errors, path tricks, slow and huge responses into tool errors', async () => {
    const missing = await call('showPetById', { petId: '999' });
    expect(missing.isError).toBe(true);
    expect(text(missing)).toContain('HTTP 404');
    const before = api.requests.length;
    const traversal = await call('showPetById', { petId: '../../openapi.yaml' });
    expect(traversal.isError).toBe(true);
    expect(api.requests.at(-1)?.url).not.toBe('/openapi.yaml');
    expect(api.requests.slice(before).every((r) => r.url.startsWith('/v1/'))).toBe(true);
    const missingArg = await call('showPetById', {});
    expect(text(missingArg)).toContain("Missing required argument 'petId'");
  });
});

describe('OpenAPI server limits and egress', () => {
  it('times out and caps response size', async () => {
    const client = await connect(local({ requestTimeoutMs: 300, maxResponseBytes: 10_000 }));
    const slow = (await client.callTool({ name: 'showPetById', arguments: { petId: 'slow' } })) as Result;
    expect(text(slow)).toMatch(/timed out after 300 ms/);
    const huge = (await client.callTool({ name: 'showPetById', arguments: { petId: 'huge' } })) as Result;
    expect(text(huge)).toMatch(/over the 10000-byte limit/);
    await client.close();
  });

  it('refuses loopback and private targets unless allowed (SSRF guard)', async () => {
    const before = api.requests.length;
    const client = await connect(local({ allowPrivateNetwork: false }));
    const r = (await client.callTool({ name: 'showPetById', arguments: { petId: '1' } })) as Result;
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(/127\.0\.0\.1.*internal address/);
    await client.close();
    const byName = await connect(local({ allowPrivateNetwork: false, baseUrl: `${api.origin.replace('127.0.0.1', 'localhost')}/v1` }));
    const r2 = (await byName.callTool({ name: 'showPetById', arguments: { petId: '1' } })) as Result;
    expect(text(r2)).toMatch(/localhost resolves to an internal address/);
    await byName.close();
    expect(api.requests.length).toBe(before);
  });

  it('refuses a base URL outside the allow-list, and a missing credential, at startup', async () => {
    await expect(createOpenApiServer(local({ allowedBaseUrls: ['https://api.example.com/'] }))).rejects.toThrow(/not under allowedBaseUrls/);
    await expect(createOpenApiServer(local({ env: {} }))).rejects.toThrow(/PETSTORE_TOKEN, which is not set/);
    await expect(createOpenApiServer(local({ spec: `${api.origin}/nope.yaml` }))).rejects.toThrow(/cannot load the OpenAPI document/);
  });

  it('loads the published document by URL and takes the base URL from its servers entry', async () => {
    const client = await connect({ spec: `${api.origin}/openapi.yaml`, allowPrivateNetwork: true });
    const r = (await client.callTool({ name: 'listPets', arguments: { tag: 'cat' } })) as Result;
    expect(r.structuredContent).toMatchObject({ body: [{ name: 'Tom' }] });
    await client.close();
  });
});
