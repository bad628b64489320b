// docs/cache.md's framework example (examples/cache-framework.ts) runs as a real process: the second identical
// call is a hit (same lookup number), another argument is a miss, and its stats say so on the way out.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, expect, it } from 'vitest';
import { killStarted, spawnTs, waitForLine } from '../helpers/process.js';

afterAll(() => killStarted());

it('examples/cache-framework.ts answers a repeated call from its cache', async () => {
  const { child } = spawnTs('examples/cache-framework.ts', [], { env: { PORT: '0', REDIS_URL: '' }, stdin: 'ignore' });
  const listening = /listening on (\S+)/;
  const url = listening.exec(await waitForLine(child.stdout!, (l) => listening.test(l), 20_000))![1]!;
  const client = new Client({ name: 't', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  const price = async (sku: string) => ((await client.callTool({ name: 'price', arguments: { sku } })).content as Array<{ text: string }>)[0]!.text;
  expect(await price('A1')).toBe('A1: 9.99 EUR (lookup #1)');
  expect(await price('A1')).toBe('A1: 9.99 EUR (lookup #1)');
  expect(await price('B2')).toBe('B2: 9.99 EUR (lookup #2)');
  await client.close();
  const stats = waitForLine(child.stdout!, (l) => l.startsWith('cache '), 10_000);
  child.kill('SIGTERM');
  expect(JSON.parse((await stats).slice('cache '.length))).toMatchObject({ hits: 1, misses: 2, stores: 2 });
});
