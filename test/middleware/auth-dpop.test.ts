// DPoP-bound JWTs at the authenticator (RFC 9449 §7): a token whose `cnf.jkt` names a key is accepted only as
// `Authorization: DPoP` with a proof made by that key for this request; proofs come from the official SDK's client
// (`DpopSession.buildProof`), as a real client makes them.
import { DpopSession } from '@modelcontextprotocol/client';
import { createHash } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator, DpopNonces, type AuthOutcome } from '../../src/middleware/auth/index.js';

const ISSUER = 'https://auth.example.com';
const URL_ = 'https://mcp.example.com/mcp';
let sign: (claims: Record<string, unknown>) => Promise<string>;
let publicKey: string;
let client: DpopSession;
let other: DpopSession;

beforeAll(async () => {
  const pair = await generateKeyPair('ES256');
  publicKey = await exportSPKI(pair.publicKey);
  sign = (claims) => new SignJWT({ scope: 'tools', ...claims }).setProtectedHeader({ alg: 'ES256' }).setIssuer(ISSUER).setAudience(URL_).setSubject('alice').setIssuedAt().setExpirationTime('5m').sign(pair.privateKey);
  [client, other] = await Promise.all([DpopSession.create(), DpopSession.create()]);
});

const authenticator = (requireDpop = false) => createAuthenticator({ jwt: { issuer: ISSUER, audience: URL_, publicKey, ...(requireDpop && { requireDpop }) }, verifiedCacheMs: 0 });
const request = (headers: Record<string, string>, method = 'POST', url = URL_) => ({ header: (name: string) => headers[name], method, url });
const refusal = (o: AuthOutcome) => ('refusal' in o ? o.refusal : undefined);

describe('DPoP-bound tokens', () => {
  it('accepts a bound token with a fresh proof made by its key for this request, once', async () => {
    const a = authenticator();
    const token = await sign({ cnf: { jkt: client.thumbprint } });
    const proof = await client.buildProof({ htm: 'POST', htu: URL_, accessToken: token });
    const ok = await a.authenticate(request({ authorization: `DPoP ${token}`, dpop: proof }));
    expect('principal' in ok && ok.principal.id).toBe('alice');
    // The same proof again (captured on the wire): refused.
    const again = refusal(await a.authenticate(request({ authorization: `DPoP ${token}`, dpop: proof })));
    expect(again).toMatchObject({ status: 401, error: 'invalid_dpop_proof', scheme: 'DPoP' });
    expect(again!.description).toContain('presented before');
    expect(a.challenge(again!)).toMatch(/^DPoP realm="mcplex", error="invalid_dpop_proof", error_description="[^"]+", algs="ES256 /);
  });

  it('refuses a proof made for another method, URL or token, by another key, too old, or none at all', async () => {
    const a = authenticator();
    const token = await sign({ cnf: { jkt: client.thumbprint } });
    const tryWith = async (proof: string | undefined) => refusal(await a.authenticate(request({ authorization: `DPoP ${token}`, ...(proof && { dpop: proof }) })))?.description;
    expect(await tryWith(await client.buildProof({ htm: 'GET', htu: URL_, accessToken: token }))).toContain('made for GET');
    expect(await tryWith(await client.buildProof({ htm: 'POST', htu: 'https://mcp.example.com/other', accessToken: token }))).toContain('another URL');
    expect(await tryWith(await client.buildProof({ htm: 'POST', htu: URL_, accessToken: await sign({}) }))).toContain('another access token');
    expect(await tryWith(await other.buildProof({ htm: 'POST', htu: URL_, accessToken: token }))).toContain('another key');
    expect(await tryWith(undefined)).toContain('send a DPoP header');
    // A proof made two minutes ago (jose signs it, as a client holding a stale one would have).
    const stale = await generateKeyPair('ES256');
    const jwk = await exportJWK(stale.publicKey);
    const staleToken = await sign({ cnf: { jkt: await calculateJwkThumbprint(jwk) } });
    const ath = createHash('sha256').update(staleToken).digest('base64url');
    const old = await new SignJWT({ htm: 'POST', htu: URL_, jti: 'old-proof', ath })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk })
      .setIssuedAt(Math.floor(Date.now() / 1000) - 120)
      .sign(stale.privateKey);
    expect(refusal(await a.authenticate(request({ authorization: `DPoP ${staleToken}`, dpop: old })))?.description).toContain('too old');
    // The query string is not part of what a proof names.
    expect(refusal(await a.authenticate(request({ authorization: `DPoP ${token}`, dpop: await client.buildProof({ htm: 'POST', htu: `${URL_}?x=1`, accessToken: token }) })))).toBeUndefined();
  });

  it('refuses a bound token sent as a bearer token, and an unbound one sent as DPoP', async () => {
    const a = authenticator();
    const bound = refusal(await a.authenticate(request({ authorization: `Bearer ${await sign({ cnf: { jkt: client.thumbprint } })}` })));
    expect(bound).toMatchObject({ status: 401, error: 'invalid_token', scheme: 'DPoP' });
    expect(bound!.description).toContain('bound to a key');
    const unbound = await sign({});
    const asDpop = refusal(await a.authenticate(request({ authorization: `DPoP ${unbound}`, dpop: await client.buildProof({ htm: 'POST', htu: URL_, accessToken: unbound }) })));
    expect(asDpop!.description).toContain('not bound to a key');
    // As a bearer token it is what it always was.
    expect('principal' in (await a.authenticate(request({ authorization: `Bearer ${unbound}` })))).toBe(true);
  });

  it('requireDpop: bearer JWTs are refused, bound ones with their proof accepted; the metadata says so', async () => {
    const a = authenticator(true);
    expect(refusal(await a.authenticate(request({ authorization: `Bearer ${await sign({})}` })))).toMatchObject({ status: 401, scheme: 'DPoP' });
    const token = await sign({ cnf: { jkt: client.thumbprint } });
    expect('principal' in (await a.authenticate(request({ authorization: `DPoP ${token}`, dpop: await client.buildProof({ htm: 'POST', htu: URL_, accessToken: token }) })))).toBe(true);
    expect(a.metadata).toMatchObject({ dpopRequired: true, dpopAlgorithms: expect.arrayContaining(['ES256', 'EdDSA']) });
    expect(authenticator().metadata?.dpopRequired).toBe(false);
  });
});

describe('DPoP nonces (RFC 9449 §9)', () => {
  const withNonces = (dpopNonce: true | { key: string; lifetimeSeconds?: number }) => createAuthenticator({ jwt: { issuer: ISSUER, audience: URL_, publicKey, dpopNonce }, verifiedCacheMs: 0 });

  it('refuses a proof without a nonce (or with one not handed out here) naming the one to use, and takes it', async () => {
    const a = withNonces(true);
    const token = await sign({ cnf: { jkt: client.thumbprint } });
    const none = refusal(await a.authenticate(request({ authorization: `DPoP ${token}`, dpop: await other.buildProof({ htm: 'POST', htu: URL_, accessToken: token, nonce: undefined }) })));
    const session = await DpopSession.create();
    const bound = await sign({ cnf: { jkt: session.thumbprint } });
    const first = refusal(await a.authenticate(request({ authorization: `DPoP ${bound}`, dpop: await session.buildProof({ htm: 'POST', htu: URL_, accessToken: bound }) })));
    expect(first).toMatchObject({ status: 401, error: 'use_dpop_nonce', scheme: 'DPoP', nonce: expect.stringMatching(/^[0-9a-z]+\.[\w-]{22}$/) });
    expect(a.challenge(first!)).toMatch(/^DPoP realm="mcplex", error="use_dpop_nonce", error_description="DPoP nonce required: this server requires a nonce in every proof/);
    expect(none).toMatchObject({ error: 'use_dpop_nonce' });
    const ok = await a.authenticate(request({ authorization: `DPoP ${bound}`, dpop: await session.buildProof({ htm: 'POST', htu: URL_, accessToken: bound, nonce: first!.nonce }) }));
    expect(ok).toMatchObject({ principal: { id: 'alice' } });
    expect('nonce' in ok && ok.nonce).toBeFalsy();
    const madeUp = refusal(await a.authenticate(request({ authorization: `DPoP ${bound}`, dpop: await session.buildProof({ htm: 'POST', htu: URL_, accessToken: bound, nonce: `${first!.nonce!.split('.')[0]}.AAAAAAAAAAAAAAAAAAAAAA` }) })));
    expect(madeUp).toMatchObject({ error: 'use_dpop_nonce', description: expect.stringContaining('not one this server handed out lately'), nonce: first!.nonce });
    // Without a proof at all: the usual refusal, with the nonce to put in the next one.
    expect(refusal(await a.authenticate(request({ authorization: `DPoP ${bound}` })))).toMatchObject({ error: 'invalid_dpop_proof', nonce: first!.nonce });
  });

  it("takes the window before's nonce and hands out the current one; another key's nonces are not taken, the same key's are", () => {
    const now = Date.UTC(2026, 11, 6, 12, 0, 0);
    const key = 'a-dpop-nonce-key-0123456789abcdef';
    const nonces = new DpopNonces({ key, lifetimeSeconds: 60 });
    const before = nonces.current(now - 60_000);
    expect(nonces.check(nonces.current(now), now)).toBe('current');
    expect(nonces.check(before, now)).toBe('previous');
    expect(nonces.check(nonces.current(now - 120_000), now)).toBe('invalid');
    expect(nonces.check(undefined, now)).toBe('invalid');
    expect(new DpopNonces({ key, lifetimeSeconds: 60 }).check(before, now)).toBe('previous');
    expect(new DpopNonces({ lifetimeSeconds: 60 }).check(nonces.current(now), now)).toBe('invalid');
  });
});
