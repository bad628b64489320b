// Values an authorization server hands out and takes back without keeping them (client ids, requests in progress,
// codes, refresh tokens): encrypted and authenticated (JWE, dir + A256GCM, jose) under a key derived from a secret,
// each for one purpose, with an expiry where it has one.
import { hkdfSync } from 'node:crypto';
import { EncryptJWT, jwtDecrypt, type JWTPayload } from 'jose';

/** Values sealed for one purpose (a client id cannot be presented as a code, nor a code as a refresh token). */
export class Sealer {
  readonly #keys: Uint8Array[];

  /** `secret` seals; it and `previous` open (a rotation keeps what was handed out working). */
  constructor(secret: string, previous: readonly string[] = []) {
    this.#keys = [secret, ...previous].map((s) => new Uint8Array(hkdfSync('sha256', s, 'mcplex oauth proxy', 'jwe dir A256GCM v1', 32)));
  }

  seal(purpose: string, payload: JWTPayload, ttlSeconds?: number): Promise<string> {
    const jwt = new EncryptJWT({ ...payload, pur: purpose }).setProtectedHeader({ alg: 'dir', enc: 'A256GCM' }).setIssuedAt();
    return (ttlSeconds === undefined ? jwt : jwt.setExpirationTime(`${ttlSeconds}s`)).encrypt(this.#keys[0]!);
  }

  /** The payload, if `value` was sealed here for `purpose` and has not expired. */
  async open<T>(purpose: string, value: string | null | undefined): Promise<T | undefined> {
    if (!value) return undefined;
    for (const key of this.#keys) {
      const payload = await jwtDecrypt(value, key, { keyManagementAlgorithms: ['dir'], contentEncryptionAlgorithms: ['A256GCM'] }).then(
        (r) => r.payload,
        () => undefined,
      );
      if (payload) return payload.pur === purpose ? (payload as T) : undefined;
    }
    return undefined;
  }
}
