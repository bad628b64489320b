// The key a server's DPoP-bound grants (RFC 9449) are bound to: made once, kept in the SecretStore with the grants
// (shared by replicas, sealed at rest with `oauth.encryptionKey`), so every replica signs its proofs with the key the
// authorization server bound the tokens to, and a restart keeps using it.
import { DpopSession, generateDpopKeyPair, type DpopAlg, type DpopKeyPair } from '@modelcontextprotocol/client';
import { calculateJwkThumbprint, exportJWK, importJWK, type JWK } from 'jose';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SecretStore } from '../core/secret-store.js';

interface StoredKey {
  alg: DpopAlg;
  privateJwk: JWK;
  publicJwk: JWK;
}

/** How long a replica making the key keeps the others waiting for it. */
const MAKING_MS = 10_000;
const POLL_MS = 50;

/** The DPoP session of the key kept under `storeKey`, made (by one replica of those sharing the store) when there is none. */
export async function dpopSession(store: SecretStore, storeKey: string): Promise<DpopSession> {
  const until = Date.now() + 2 * MAKING_MS;
  for (;;) {
    const raw = await store.get(storeKey);
    if (raw !== undefined) return DpopSession.create({ keyPair: await keyPairOf(JSON.parse(raw) as StoredKey) });
    if (await store.claim(`${storeKey}:making`, MAKING_MS)) {
      // Extractable, to be kept: the store is where its protection lies (a 0600 file, Redis, sealed with encryptionKey).
      const pair = await generateDpopKeyPair({ extractable: true });
      const stored: StoredKey = { alg: pair.alg, privateJwk: await exportJWK(pair.privateKey), publicJwk: pair.publicJwk as JWK };
      await store.set(storeKey, JSON.stringify(stored));
      return DpopSession.create({ keyPair: pair });
    }
    if (Date.now() > until) throw new Error('no DPoP key: another replica claimed making it and did not store one');
    await sleep(POLL_MS);
  }
}

async function keyPairOf(stored: StoredKey): Promise<DpopKeyPair> {
  const [privateKey, publicKey] = await Promise.all([importJWK(stored.privateJwk, stored.alg), importJWK(stored.publicJwk, stored.alg)]);
  return { privateKey: privateKey as CryptoKey, publicKey: publicKey as CryptoKey, publicJwk: stored.publicJwk as DpopKeyPair['publicJwk'], thumbprint: await calculateJwkThumbprint(stored.publicJwk), alg: stored.alg };
}
