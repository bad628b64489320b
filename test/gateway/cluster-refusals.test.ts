// Replicas with `cluster:` count refused credentials together (auth.refusalLimit): guesses spread over two replicas
// by a balancer reach the bound as one count, and each replica, once the shared count is over, checks at most one
// more from that address before answering 429 unchecked. Two real gateways sharing Redis; a caller with a wrong key.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { Gateway, type HttpHandle, newApiKey, parseConfig, silentLogger } from '../../src/index.js';
import { sharedRedisUrl, uniquePrefix } from '../helpers/own-redis.js';
import { fixtureServer } from './fixtures/cli.js';

const redisUrl = sharedRedisUrl('refused credentials across replicas');
const key = newApiKey();

describe.skipIf(!redisUrl)('refused credentials counted across replicas', () => {
  const replicas: Array<{ gateway: Gateway; http: HttpHandle }> = [];
  beforeAll(async () => {
    const config = parseConfig(
      stringify({
        listen: { host: '127.0.0.1', port: 0 },
        auth: { apiKeys: { [key.hash]: { id: 'ops' } }, refusalLimit: { limit: 3, windowMs: 60_000 } },
        servers: { demo: fixtureServer('demo') },
        cluster: { redis: { url: redisUrl!, keyPrefix: uniquePrefix('refusals') } },
      }),
      { format: 'yaml' },
    );
    for (let i = 0; i < 2; i++) {
      const gateway = new Gateway(config, { logger: silentLogger });
      await gateway.start();
      replicas.push({ gateway, http: await gateway.serveHttp({ port: 0 }) });
    }
  }, 60_000);
  afterAll(async () => {
    for (const { gateway, http } of replicas) {
      await http.close();
      await gateway.close();
    }
  });

  const ask = async (replica: number, apiKey = 'wrong-key-0123456789') => {
    const res = await fetch(replicas[replica]!.http.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'x-api-key': apiKey },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    await res.body?.cancel();
    return res.status;
  };

  it('reaches the bound as one count, and each replica then refuses unchecked', async () => {
    expect([await ask(0), await ask(0), await ask(1)]).toEqual([401, 401, 401]);
    // The shared count is at the bound: the next guess at each replica is its last one checked.
    expect(await ask(1)).toBe(401);
    expect(await ask(1)).toBe(429);
    expect(await ask(0)).toBe(401);
    expect(await ask(0)).toBe(429);
  });
});
