// An OAuth grant kept by two replicas that share their grants store (Redis, as `cluster:` requires): the access
// token each keeps in memory is read from the store again after `recheckMs`, so a grant forgotten on one replica
// (an administrator's `forget`) stops being used on the other within that time, and a new one is picked up.
import { afterAll, describe, expect, it } from 'vitest';
import { OAuthGrants } from '../../src/client/oauth-grants.js';
import { silentLogger } from '../../src/index.js';
import { RedisSecretStore } from '../../src/stores/redis/secret-store.js';
import { sharedRedisUrl, uniquePrefix } from '../helpers/own-redis.js';
import { waitUntil } from '../helpers/process.js';

const redisUrl = sharedRedisUrl('OAuth grants across replicas');

describe.skipIf(!redisUrl)('OAuth grants on two replicas', () => {
  const keyPrefix = uniquePrefix('oauth-grants');
  const stores = [new RedisSecretStore({ url: redisUrl!, keyPrefix }), new RedisSecretStore({ url: redisUrl!, keyPrefix })];
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
  });
  const replica = (i: number) => new OAuthGrants('remote', 'http://127.0.0.1:1/mcp', { redirectUrl: () => 'http://127.0.0.1:1/cb', recheckMs: 200 }, stores[i]!, silentLogger);
  const tokensKey = 'oauth:remote:tokens:gateway';

  it("stops using a grant another replica forgot, within recheckMs, and takes up the next one", async () => {
    const [a, b] = [replica(0), replica(1)];
    await stores[0]!.set(tokensKey, JSON.stringify({ access_token: 'first', token_type: 'Bearer' }));
    expect(await b.provider('gateway').token()).toBe('first');
    expect(await b.has('gateway')).toBe(true);

    await a.forget('gateway');
    expect(await a.provider('gateway').token()).toBeUndefined();
    // B still holds it in memory, for at most recheckMs.
    await waitUntil(async () => (await b.provider('gateway').token()) === undefined, 5_000, 'B to stop using the forgotten grant');
    expect(await b.has('gateway')).toBe(false);

    await stores[0]!.set(tokensKey, JSON.stringify({ access_token: 'second', token_type: 'Bearer' }));
    expect(await b.provider('gateway').token()).toBe('second');
  });
});
