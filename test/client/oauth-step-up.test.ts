// OAuthGrants.stepUp against the example authorization server (examples/oauth-server.ts, in process): a grant that
// lacks a scope the server named gets a new authorization asking for the union of what it holds and what was named
// (the same one while it is pending); a grant whose stored scope already covers what was named is refreshed instead
// (a refresh cannot widen a grant, so that is the only case where one is tried), and the caller may send once more.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OAuthServer, startOAuthServer } from '../../examples/oauth-server.js';
import { pendingAuthorization } from '../../src/client/oauth-grant-records.js';
import { OAuthGrants } from '../../src/client/oauth-grants.js';
import { silentLogger } from '../../src/index.js';
import { MemorySecretStore } from '../../src/stores/memory/secret-store.js';
import { rememberingSentToken } from '../../src/client/sent-token.js';

let server: OAuthServer;
beforeAll(async () => {
  server = await startOAuthServer();
});
afterAll(() => server.close());

describe('OAuthGrants.stepUp', () => {
  it('asks for the union of held and named scopes, reuses a pending step-up, and refreshes a grant that already covers them', async () => {
    const store = new MemorySecretStore();
    const grants = new OAuthGrants('remote', server.url, { redirectUrl: () => 'http://127.0.0.1:9/cb' }, store, silentLogger);
    /** A person approves `url` as `user`; the code comes back to the gateway's callback. */
    const approve = async (url: string, user: string) => {
      const atServer = await fetch(url, { redirect: 'manual', headers: { cookie: `user=${user}` } });
      const back = new URL(atServer.headers.get('location')!);
      const state = back.searchParams.get('state')!;
      await grants.complete((await pendingAuthorization(store, state))!, state, back.searchParams.get('code')!);
    };
    const scopeOf = async (key: string) => (JSON.parse((await store.get(`oauth:remote:tokens:${key}`))!) as { scope: string }).scope;

    await approve((await grants.authorize('alice'))!, 'alice');
    expect(await scopeOf('alice')).toBe('mcp');
    const wider = await grants.stepUp('alice', 'mcp:admin');
    expect(new URL(wider!).searchParams.get('scope')).toBe('mcp mcp:admin');
    expect(grants.pendingStepUp('alice')).toMatchObject({ url: wider, scope: 'mcp mcp:admin' });
    // Refused again before approving: the same authorization; meanwhile the grant still holds what it held.
    expect(await grants.stepUp('alice', 'mcp mcp:admin')).toBe(wider);
    expect(await grants.has('alice')).toBe(true);
    await approve(wider!, 'alice');
    expect(await scopeOf('alice')).toBe('mcp mcp:admin');
    expect(grants.pendingStepUp('alice')).toBeUndefined();

    // A grant whose stored scope already names what the server asked for: refreshed, nothing to open.
    await approve((await grants.authorize('bob'))!, 'bob');
    const key = 'oauth:remote:tokens:bob';
    await store.set(key, JSON.stringify({ ...JSON.parse((await store.get(key))!), scope: 'mcp mcp:admin' }));
    const refreshed = server.provider.counts.refreshed;
    expect(await grants.stepUp('bob', 'mcp:admin')).toBeUndefined();
    expect(server.provider.counts.refreshed).toBe(refreshed + 1);
    expect(grants.pendingStepUp('bob')).toBeUndefined();
  });
});

describe('a token response without scope', () => {
  it('keeps the scope asked for (RFC 6749 §5.1), so a step-up the grant already covers is a refresh', async () => {
    server.provider.omitScope = true;
    try {
      const store = new MemorySecretStore();
      const grants = new OAuthGrants('remote', server.url, { redirectUrl: () => 'http://127.0.0.1:9/cb' }, store, silentLogger);
      const approve = async (url: string) => {
        const back = new URL((await fetch(url, { redirect: 'manual', headers: { cookie: 'user=carol' } })).headers.get('location')!);
        const state = back.searchParams.get('state')!;
        await grants.complete((await pendingAuthorization(store, state))!, state, back.searchParams.get('code')!);
      };
      const held = async () => JSON.parse((await store.get('oauth:remote:tokens:carol'))!) as { scope?: string };

      const first = (await grants.authorize('carol'))!;
      expect(new URL(first).searchParams.get('scope')).toBe('mcp');
      await approve(first);
      expect(await held()).toMatchObject({ scope: 'mcp' });
      const wider = (await grants.stepUp('carol', 'mcp:admin'))!;
      await approve(wider);
      expect(await held()).toMatchObject({ scope: 'mcp mcp:admin' });

      // Refused once more for the same scope (its access token narrowed): the grant covers it, so a refresh, and the
      // refreshed grant (again without `scope` in the response) still holds it.
      const [authorized, refreshed] = [server.provider.counts.authorized, server.provider.counts.refreshed];
      expect(await grants.stepUp('carol', 'mcp:admin')).toBeUndefined();
      expect(server.provider.counts).toMatchObject({ authorized, refreshed: refreshed + 1 });
      expect(await held()).toMatchObject({ scope: 'mcp mcp:admin' });
    } finally {
      server.provider.omitScope = false;
    }
  });
});

describe('a 401 for a token a refresh already replaced', () => {
  it('takes the new token instead of refreshing again; a 401 for the current token refreshes', async () => {
    const store = new MemorySecretStore();
    const grants = new OAuthGrants('remote', server.url, { redirectUrl: () => 'http://127.0.0.1:9/cb' }, store, silentLogger);
    const back = new URL((await fetch((await grants.authorize('dave'))!, { redirect: 'manual', headers: { cookie: 'user=dave' } })).headers.get('location')!);
    const state = back.searchParams.get('state')!;
    await grants.complete((await pendingAuthorization(store, state))!, state, back.searchParams.get('code')!);
    const provider = grants.provider('dave');
    const old = await provider.token!();
    server.revokeAccess('dave');
    // Two requests sent with the revoked token, both refused; the transport asks for a refresh after each.
    const send = rememberingSentToken(fetch);
    const refused = await Promise.all([0, 1].map(() => send(server.url, { method: 'POST', headers: { authorization: `Bearer ${old}`, 'content-type': 'application/json' }, body: '{}' })));
    expect(refused.map((r) => r.status)).toEqual([401, 401]);
    const ctx = (response: Response) => ({ response, serverUrl: new URL(server.url), fetchFn: fetch });
    const refreshed = server.provider.counts.refreshed;
    await provider.onUnauthorized!(ctx(refused[0]!));
    expect(server.provider.counts.refreshed).toBe(refreshed + 1);
    const renewed = await provider.token!();
    expect(renewed).not.toBe(old);
    // The second answer came after the refresh: nothing more is asked of the authorization server.
    await provider.onUnauthorized!(ctx(refused[1]!));
    expect(server.provider.counts.refreshed).toBe(refreshed + 1);
    expect(await provider.token!()).toBe(renewed);
    // Refused the token it holds now: refreshed again.
    server.revokeAccess('dave');
    const again = await send(server.url, { method: 'POST', headers: { authorization: `Bearer ${renewed}`, 'content-type': 'application/json' }, body: '{}' });
    await provider.onUnauthorized!(ctx(again));
    expect(server.provider.counts.refreshed).toBe(refreshed + 2);
    expect(await provider.token!()).not.toBe(renewed);
  });
});

describe('two replicas refreshing one grant (the server rotates refresh tokens)', () => {
  it("one refreshes and the other takes its token; refreshing at the same moment, the grant survives the loser's refusal", async () => {
    const store = new MemorySecretStore();
    const replica = () => new OAuthGrants('remote', server.url, { redirectUrl: () => 'http://127.0.0.1:9/cb' }, store, silentLogger);
    const [a, b] = [replica(), replica()];
    const back = new URL((await fetch((await a.authorize('frank'))!, { redirect: 'manual', headers: { cookie: 'user=frank' } })).headers.get('location')!);
    const state = back.searchParams.get('state')!;
    await a.complete((await pendingAuthorization(store, state))!, state, back.searchParams.get('code')!);
    const [onA, onB] = [a.provider('frank'), b.provider('frank')];
    const send = rememberingSentToken(fetch);
    const refusedWith = async (token: string | undefined) => {
      const res = await send(server.url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
      expect(res.status).toBe(401);
      return { response: res, serverUrl: new URL(server.url), fetchFn: fetch };
    };
    const accepted = async (token: string | undefined) =>
      (await fetch(server.url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' })).status !== 401;

    // One after the other: B (its memory still holding the old token) takes the token A's refresh saved.
    const first = await onB.token!();
    expect(await onA.token!()).toBe(first);
    server.revokeAccess('frank');
    const [refusedA, refusedB] = [await refusedWith(first), await refusedWith(first)];
    const refreshed = server.provider.counts.refreshed;
    await onA.onUnauthorized!(refusedA);
    await onB.onUnauthorized!(refusedB);
    expect(server.provider.counts.refreshed).toBe(refreshed + 1);
    expect(await onB.token!()).toBe(await onA.token!());
    expect(await accepted(await onB.token!())).toBe(true);

    // At the same moment: both refresh with the same refresh token; the server takes one and refuses the other
    // (invalid_grant). The refused one leaves the saved grant alone, and both go on with a token the server accepts.
    const second = await onA.token!();
    server.revokeAccess('frank');
    const [againA, againB] = [await refusedWith(second), await refusedWith(second)];
    await Promise.all([onA.onUnauthorized!(againA), onB.onUnauthorized!(againB)]);
    expect(await replica().has('frank')).toBe(true);
    expect(await accepted(await onA.token!())).toBe(true);
    expect(await accepted(await onB.token!())).toBe(true);
  });
});
