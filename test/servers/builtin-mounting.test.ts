// The SQL and OpenAPI servers as gateway built-ins (in-process, from a YAML config) through the official SDK client
// in both eras, and `mcplex server sql` standalone over stdio.
import type { Client } from '@modelcontextprotocol/client';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/gateway/config/index.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { connectInMemory, silentLogger } from '../../src/index.js';
import { connectStdioScript } from '../helpers/clients.js';
import { ROOT } from '../helpers/process.js';
import { PETSTORE_SPEC, type PetstoreApi, startPetstore, TOKEN } from './petstore-api.js';

const SEED = join(ROOT, 'samples', 'shop.sql');
const text = (r: unknown) => ((r as { content: Array<{ text?: string }> }).content ?? []).map((c) => c.text ?? '').join('');

let api: PetstoreApi;
let gateway: Gateway;
beforeAll(async () => {
  api = await startPetstore();
  const yaml = `
servers:
  shop:
    builtin: sql
    database: ":memory:"
    seed: ${JSON.stringify(SEED)}
    maxRows: 50
  pets:
    builtin: openapi
    spec: ${JSON.stringify(PETSTORE_SPEC)}
    baseUrl: ${api.origin}/v1
    allowPrivateNetwork: true
    auth: { type: bearer, env: PETSTORE_TOKEN }
`;
  process.env.PETSTORE_TOKEN = TOKEN;
  gateway = new Gateway(parseConfig(yaml, { format: 'yaml' }), { logger: silentLogger });
  await gateway.start();
});
afterAll(async () => {
  await gateway.close();
  await api.close();
  delete process.env.PETSTORE_TOKEN;
});

describe.each(['legacy', 'modern'] as const)('sql and openapi built-ins (%s era)', (era) => {
  let client: Client;
  beforeAll(async () => {
    client = await connectInMemory(gateway.host, { era });
  });
  afterAll(() => client.close());

  it('serves both in-process behind their namespaces', async () => {
    expect(gateway.health().upstreams.map((u) => [u.name, u.transport, u.state])).toEqual([
      ['shop', 'builtin', 'up'],
      ['pets', 'builtin', 'up'],
    ]);
    const q = await client.callTool({ name: 'shop__query', arguments: { sql: 'SELECT name FROM customers WHERE country = ? ORDER BY id', params: ['GB'] } });
    expect(q.structuredContent).toMatchObject({ rows: [['Ada Lovelace'], ['Tim Berners-Lee']] });
    const refused = await client.callTool({ name: 'shop__query', arguments: { sql: 'DROP TABLE customers' } });
    expect(refused.isError).toBe(true);
    const pet = await client.callTool({ name: 'pets__showPetById', arguments: { petId: '1' } });
    expect(pet.structuredContent).toEqual({ status: 200, body: { id: 1, name: 'Rex', tag: 'dog' } });
    const schema = await client.readResource({ uri: 'sql://schema/orders' });
    expect(text({ content: schema.contents })).toContain('TABLE orders');
  });
});

it('keeps built-ins running across a reload that does not change them, and restarts one that changed', async () => {
  const same = await gateway.reload(gateway.config);
  expect(same).toEqual({ added: [], removed: [], restarted: [], retimed: [] });
  const shop = gateway.config.servers.shop!;
  const changed = { ...gateway.config, servers: { ...gateway.config.servers, shop: { ...shop, options: { ...(shop as { options: object }).options, maxRows: 5 } } as typeof shop } };
  expect((await gateway.reload(changed)).restarted).toEqual(['shop']);
});

it('reports a built-in that cannot start as down, with the reason', async () => {
  const config = parseConfig(`servers:\n  broken:\n    builtin: openapi\n    spec: ${JSON.stringify(join(ROOT, 'no-such.yaml'))}\n`, { format: 'yaml' });
  const g = new Gateway(config, { logger: silentLogger, restart: { initialDelayMs: 60_000 } });
  await g.start();
  expect(g.health().upstreams[0]).toMatchObject({ name: 'broken', transport: 'builtin', error: expect.stringContaining('cannot load the OpenAPI document') });
  await g.close();
});

describe.each(['legacy', 'modern'] as const)('mcplex server sql over stdio (%s era)', (era) => {
  it('serves a seeded SQLite database', async () => {
    const { client } = await connectStdioScript(era, join(ROOT, 'src', 'cli', 'main.ts'), 'server', 'sql', '--database', ':memory:', '--seed', SEED);
    const r = await client.callTool({ name: 'query', arguments: { sql: 'SELECT count(*) AS n FROM products' } });
    expect(r.structuredContent).toMatchObject({ columns: [{ name: 'n' }], rows: [[6]] });
    await client.close();
  }, 30_000);
});
