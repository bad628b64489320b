// Replicas sharing one grant toward an upstream whose authorization server rotates refresh tokens and revokes the
// whole grant when a spent one comes back (oidc-provider, as Auth0 and Okta do): the grant is refreshed by one
// replica at a time, ahead of its access token's expiry, and the others take its token. Each replica is an
// `OAuthGrants` with its own connection to the shared store (Redis, as with `cluster:`; or one store in memory).
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SecretStore } from '../../src/core/secret-store.js';
import { OAuthGrants, type RefreshEvent } from '../../src/client/oauth-grants.js';
import { rememberingSentToken } from '../../src/client/sent-token.js';
import { MemorySecretStore } from '../../src/stores/memory/secret-store.js';
import { RedisSecretStore } from '../../src/stores/redis/secret-store.js';
import { authorized, CALLBACK, CLIENT_ID, CLIENT_SECRET, type GuardedServer, guardedServer } from '../helpers/guarded-server.js';
import { capturingLogger, type LogEntry } from '../helpers/logger.js';
import type { Idp } from '../helpers/oidc-idp.js';
import { sharedRedisUrl, uniquePrefix } from '../helpers/own-redis.js';
import { waitUntil } from '../helpers/process.js';

const redisUrl = sharedRedisUrl('OAuth grants shared through Redis');
/** Access tokens live this long (s): refreshed ahead at half of it. */
const TTL = 6;

let idp: Idp;
let url: string;
let upstream: GuardedServer;
beforeAll(async () => {
  upstream = await guardedServer({ accessTokenTtl: TTL });
  ({ idp, url } = upstream);
});
afterAll(() => upstream.close());

/** Two stores on one backend, one per replica. */
const backends: Array<[string, () => [SecretStore, SecretStore], boolean]> = [
  ['one store in memory', () => { const store = new MemorySecretStore(); return [store, store]; }, false],
  ['Redis', () => { const keyPrefix = uniquePrefix('grants'); return [new RedisSecretStore({ url: redisUrl!, keyPrefix }), new RedisSecretStore({ url: redisUrl!, keyPrefix })]; }, !redisUrl],
];

describe.each(backends)('replicas sharing a grant at a server that revokes grants on refresh-token reuse: %s', (_name, stores, skip) => {
  /** Two replicas on the stores, the first authorized by `person` in a browser at the (real) authorization server. */
  async function twoReplicas(person: string, refreshAheadMs?: number) {
    const [storeA, storeB] = stores();
    const logs: LogEntry[] = [];
    const refreshes: RefreshEvent[] = [];
    const replica = (store: SecretStore) =>
      new OAuthGrants(
        'remote',
        url,
        { redirectUrl: () => CALLBACK, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, issuer: idp.issuer, ...(refreshAheadMs !== undefined && { refreshAheadMs }), onRefresh: (e) => refreshes.push(e) },
        store,
        capturingLogger(logs),
      );
    const [a, b] = [replica(storeA), replica(storeB)];
    await authorized(a, storeA, idp, person);
    const close = () => Promise.all([storeA.close(), storeA === storeB ? undefined : storeB.close()]);
    return { a: a.provider('gateway'), b: b.provider('gateway'), replicas: [a, b], store: storeA, logs, refreshes, close, fresh: () => replica(storeA) };
  }

  it.skipIf(skip)('refused at the same moment on both, the grant is refreshed once and both take the new token', async () => {
    const { a, b, refreshes, close, fresh } = await twoReplicas('alice', 0);
    try {
      const first = (await a.token!())!;
      expect(await b.token!()).toBe(first);
      expect(await idp.subjectOf(first)).toBe('alice');
      const send = rememberingSentToken(fetch);
      const refusedWith = async (token: string) => {
        const response = await send(url, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
        expect(response.status).toBe(401);
        return { response, serverUrl: new URL(url), fetchFn: fetch };
      };
      await idp.revoke(first);
      const [onA, onB] = [await refusedWith(first), await refusedWith(first)];
      const before = { ...idp.refreshes };
      await Promise.all([a.onUnauthorized!(onA), b.onUnauthorized!(onB)]);
      // Both refreshing would present one refresh token twice: the server would refuse the second and revoke the grant.
      expect(idp.refreshes).toEqual({ granted: before.granted + 1, refused: before.refused });
      // One replica refreshed, the other took its token (what the gateway's metrics count).
      expect(refreshes.map((e) => `${e.reason} ${e.outcome}`).sort()).toEqual(['unauthorized refreshed', 'unauthorized taken']);
      const renewed = (await a.token!())!;
      expect(renewed).not.toBe(first);
      expect(await b.token!()).toBe(renewed);
      expect(await idp.subjectOf(renewed)).toBe('alice');
      expect(await fresh().has('gateway')).toBe(true);
    } finally {
      await close();
    }
  });

  it.skipIf(skip)('a step-up the grant already covers, asked on both at once, refreshes it once', async () => {
    const { replicas, close, fresh } = await twoReplicas('dana', 0);
    try {
      const before = { ...idp.refreshes };
      // Both refused 403 insufficient_scope for `mcp`, which the grant holds: a refresh, not a new authorization.
      expect(await Promise.all(replicas.map((r) => r.stepUp('gateway', 'mcp')))).toEqual([undefined, undefined]);
      expect(idp.refreshes).toEqual({ granted: before.granted + 1, refused: before.refused });
      expect(await fresh().has('gateway')).toBe(true);
      expect(await idp.subjectOf((await replicas[1]!.provider('gateway').token!())!)).toBe('dana');
    } finally {
      await close();
    }
  });

  it.skipIf(skip)('refreshes ahead of expiry, once for both, so the token in use is never refused', async () => {
    const { a, b, replicas, store, refreshes, close } = await twoReplicas('bob');
    try {
      const first = (await a.token!())!;
      expect(await b.token!()).toBe(first);
      const before = { ...idp.refreshes };
      const stored = async () => JSON.parse((await store.get('oauth:remote:tokens:gateway'))!) as { access_token: string; mcplex_refresh_at: number };
      const { mcplex_refresh_at: refreshAt } = await stored();
      expect(refreshAt).toBeGreaterThan(Date.now());
      // Past it (a timer may fire a millisecond before the wall clock says so: then nothing would be refreshed yet).
      await sleep(refreshAt - Date.now() + 25);
      // A request on each replica at once, past the moment to refresh: both are served the token they hold, while
      // one replica refreshes in the background and the other waits for its token.
      expect(await Promise.all([a.token!(), b.token!()])).toEqual([first, first]);
      await Promise.all(replicas.map((r) => r.settled()));
      const renewed = (await stored()).access_token;
      expect(renewed).not.toBe(first);
      expect(await Promise.all([a.token!(), b.token!()])).toEqual([renewed, renewed]);
      // The old token had not expired yet: no request was refused for it.
      expect(await idp.subjectOf(first)).toBe('bob');
      expect(await idp.subjectOf(renewed)).toBe('bob');
      expect(idp.refreshes).toEqual({ granted: before.granted + 1, refused: before.refused });
      expect(refreshes.map((e) => `${e.reason} ${e.outcome}`).sort()).toEqual(['ahead refreshed', 'ahead taken']);
    } finally {
      await close();
    }
  });
});

describe('a refresh ahead of expiry that fails (the authorization server unreachable)', () => {
  it('keeps the token in use, starts no authorization, says so, and waits before trying again', async () => {
    const down = await guardedServer({ accessTokenTtl: TTL });
    const store = new MemorySecretStore();
    const logs: LogEntry[] = [];
    const grants = new OAuthGrants('remote', down.url, { redirectUrl: () => CALLBACK, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, issuer: down.idp.issuer }, store, capturingLogger(logs));
    await authorized(grants, store, down.idp, 'carol');
    const provider = grants.provider('gateway');
    const first = (await provider.token!())!;
    await down.idp.close();
    const failed = () => logs.filter((e) => e.msg?.includes('ahead of expiry failed')).length;
    await waitUntil(async () => (await provider.token!()) === first && failed() > 0, TTL * 1000, 'the refresh ahead to fail');
    // The token in use still, no authorization started for a person to open, and not tried again at once.
    expect(await provider.token!()).toBe(first);
    expect(grants.startedSince('gateway', 0)).toBeUndefined();
    expect(failed()).toBe(1);
    await down.close();
  });
});
