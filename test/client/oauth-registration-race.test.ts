// Two authorizations toward one upstream started at the same moment, with no client registered yet, each register a
// client at the authorization server (dynamic registration); whichever the person completes, its code is exchanged
// as the client it was issued to, and both registrations are kept. (Seen in CI: a gateway's connection attempt and
// an administrator's authorization racing; the exchange ran as the other client and the server refused it.) The real
// authorization server of examples/oauth-server.ts; the store in memory, as the gateway's default. Then two replicas
// sharing one Redis store, registering at once: every client kept. The authorization server holds each registration
// until all of them have arrived, so every flow finds no client registered (on a loaded machine one flow's discovery
// could otherwise end after another's registration, and it would rightly take that client).
import { describe, expect, it } from 'vitest';
import { OAuthGrants } from '../../src/client/oauth-grants.js';
import { clientsKeyOf, pendingAuthorization } from '../../src/client/oauth-grant-records.js';
import { silentLogger } from '../../src/core/index.js';
import { MemorySecretStore } from '../../src/stores/memory/secret-store.js';
import { RedisSecretStore } from '../../src/stores/redis/secret-store.js';
import { sharedRedisUrl, uniquePrefix } from '../helpers/own-redis.js';
import { oauthServerForSuite } from '../fixtures/oauth-upstream.js';

const oauthServer = oauthServerForSuite();
const redisUrl = sharedRedisUrl('client registration raced across replicas');
// Never fetched: the code is read off the authorization server's redirect.
const CALLBACK = 'http://127.0.0.1:9/oauth/callback';

/** Holds the authorization server's registrations until `count` have arrived (at most 20 s); returns the undo. */
function registrationsTogether(count: number): () => void {
  const clients = oauthServer().provider.clientsStore;
  const register = clients.registerClient!;
  let arrived = 0;
  let all!: () => void;
  const together = new Promise<void>((resolve) => {
    all = resolve;
  });
  const deadline = setTimeout(all, 20_000);
  clients.registerClient = async (client) => {
    if (++arrived === count) all();
    await together;
    return register.call(clients, client);
  };
  return () => {
    clearTimeout(deadline);
    clients.registerClient = register;
  };
}

describe('client registration raced by two authorizations', () => {
  it('exchanges each code as the client it was issued to, and keeps both clients', async () => {
    const store = new MemorySecretStore();
    const grants = new OAuthGrants('remote', oauthServer().url, { redirectUrl: () => CALLBACK }, store, silentLogger);
    const before = oauthServer().provider.counts.registered;
    const undo = registrationsTogether(2);
    const urls = await Promise.all([grants.authorize('alice', {}, true), grants.authorize('bob', {}, true)]).finally(undo);
    const clientOf = (url: string | undefined) => new URL(url!).searchParams.get('client_id');
    expect(oauthServer().provider.counts.registered).toBe(before + 2);
    expect(clientOf(urls[0])).not.toBe(clientOf(urls[1]));
    expect(Object.keys(JSON.parse((await store.get(clientsKeyOf('remote')))!)).sort()).toEqual([clientOf(urls[0]), clientOf(urls[1])].sort());
    // The later one first, then the other: each exchanged as its own client.
    for (const [key, url] of [['bob', urls[1]], ['alice', urls[0]]] as const) {
      const atServer = await fetch(url!, { redirect: 'manual', headers: { cookie: `user=${key}` } });
      const back = new URL(atServer.headers.get('location')!);
      const state = back.searchParams.get('state')!;
      await grants.complete((await pendingAuthorization(store, state))!, state, back.searchParams.get('code')!);
      expect(await grants.has(key)).toBe(true);
    }
  });

  it.skipIf(!redisUrl)('keeps every client two replicas sharing a Redis store register at once', async () => {
    const keyPrefix = uniquePrefix('registration');
    const stores = [new RedisSecretStore({ url: redisUrl!, keyPrefix }), new RedisSecretStore({ url: redisUrl!, keyPrefix })];
    try {
      const replicas = stores.map((store) => new OAuthGrants('remote', oauthServer().url, { redirectUrl: () => CALLBACK }, store, silentLogger));
      const callers = ['a', 'b', 'c', 'd'];
      const undo = registrationsTogether(8);
      const urls = await Promise.all(replicas.flatMap((grants, i) => callers.map((c) => grants.authorize(`${c}${i}`, {}, true)))).finally(undo);
      const clients = urls.map((url) => new URL(url!).searchParams.get('client_id'));
      expect(new Set(clients).size).toBe(8);
      const kept = Object.keys(JSON.parse((await stores[0]!.get(clientsKeyOf('remote')))!));
      expect(kept.sort()).toEqual([...clients].sort());
      // No claim left behind.
      expect(await stores[1]!.keys(`${clientsKeyOf('remote')}:writing`)).toEqual([]);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });
});
