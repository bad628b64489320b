// The gateway honours a 2026-era upstream's cache hints on resources/read (SEP-2549): a result with ttlMs is
// served from the cache (both scopes; partitions by scope are in test/middleware/cache.test.ts), one with ttlMs 0 is never stored. Both client eras.
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/index.js';
import { parseConfig } from '../../src/gateway/config/index.js';
import { Gateway } from '../../src/gateway/gateway.js';
import type { HttpHandle } from '../../src/server/index.js';
import { connectHttp } from '../helpers/clients.js';
import { type HintedUpstream, startHintedUpstream } from './fixtures/hinted-upstream.js';

let upstream: HintedUpstream;
let gateway: Gateway;
let http: HttpHandle;
const clients: Client[] = [];

beforeAll(async () => {
  upstream = await startHintedUpstream();
  const yaml = `servers:\n  hinted:\n    url: ${upstream.url}\n    protocol: "2026-07-28"\ncache: {}\n`;
  gateway = new Gateway(parseConfig(yaml, { format: 'yaml', env: {} }), { logger: silentLogger });
  await gateway.start();
  http = await gateway.serveHttp({ port: 0 });
  clients.push(await connectHttp(http.url, 'legacy'), await connectHttp(http.url, 'modern'));
});
afterAll(async () => {
  await Promise.allSettled(clients.map((c) => c.close()));
  await http?.close();
  await gateway?.close();
  await upstream?.close();
});

const text = async (client: Client, uri: string) => ((await client.readResource({ uri })).contents[0] as { text: string }).text;

describe('gateway cache hints', () => {
  it('serves reads with a ttlMs hint from the cache, in both eras', async () => {
    const [legacy, modern] = clients as [Client, Client];
    for (const uri of ['hint://private', 'hint://public']) {
      expect(await text(legacy, uri)).toBe(`${uri} read #1`);
      expect(await text(modern, uri)).toBe(`${uri} read #1`);
      expect(await text(legacy, uri)).toBe(`${uri} read #1`);
    }
    expect(upstream.reads).toMatchObject({ 'hint://private': 1, 'hint://public': 1 });
  });

  it('never stores a read whose ttlMs is 0', async () => {
    const [legacy, modern] = clients as [Client, Client];
    expect(await text(legacy, 'hint://never')).toBe('hint://never read #1');
    expect(await text(modern, 'hint://never')).toBe('hint://never read #2');
    expect(upstream.reads['hint://never']).toBe(2);
  });
});
