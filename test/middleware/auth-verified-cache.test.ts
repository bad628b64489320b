// Verified credentials are reused for a while (no hash or signature check per request), never past a JWT's exp
// nor maxAgeMs, and refusals are never remembered.
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import type { Principal } from '../../src/core/index.js';
import { createAuthenticator } from '../../src/middleware/auth/index.js';
import type { AuthOutcome } from '../../src/middleware/auth/types.js';
import { VerifiedCache } from '../../src/middleware/auth/verified-cache.js';
import { waitUntil } from '../helpers/process.js';

const principal = (claims: Record<string, unknown> = {}): Principal => ({ id: 'p', kind: 'jwt', scopes: [], claims });

/** A verifier giving `outcome()` and counting its calls. */
function counting(outcome: () => AuthOutcome) {
  const verifier = Object.assign((): AuthOutcome => {
    verifier.calls++;
    return outcome();
  }, { calls: 0 });
  return verifier;
}

describe('VerifiedCache', () => {
  it('reuses a success until maxAgeMs, then verifies again', async () => {
    let now = 1_000_000;
    const cache = new VerifiedCache({ maxAgeMs: 60_000, now: () => now });
    const verify = counting(() => ({ principal: principal() }));
    await cache.verified('k', verify);
    await cache.verified('k', verify);
    expect(verify.calls).toBe(1);
    now += 60_001;
    await cache.verified('k', verify);
    expect(verify.calls).toBe(2);
  });

  it('never reuses a token past its exp, nor a refusal', async () => {
    let now = 1_000_000;
    const cache = new VerifiedCache({ maxAgeMs: 60_000, now: () => now });
    const expiring = counting(() => ({ principal: principal({ exp: (now + 5_000) / 1000 }) }));
    await cache.verified('jwt', expiring);
    now += 4_000;
    await cache.verified('jwt', expiring);
    expect(expiring.calls).toBe(1);
    now += 1_500; // past exp: checked again (and the verifier decides)
    await cache.verified('jwt', expiring);
    expect(expiring.calls).toBe(2);
    const refusal = counting(() => ({ refusal: { status: 401, description: 'no' } }));
    await cache.verified('bad', refusal);
    await cache.verified('bad', refusal);
    expect(refusal.calls).toBe(2);
  });
});

describe('an authenticator reusing verified JWTs', () => {
  it('accepts a token again without re-verifying, and refuses it once it has expired', async () => {
    const secret = 's'.repeat(32);
    const auth = createAuthenticator({ jwt: { issuer: 'https://issuer.test', audience: 'https://mcp.test/mcp', secret, clockToleranceSec: 0 } });
    const exp = Math.floor(Date.now() / 1000) + 2;
    const token = await new SignJWT({ scope: 'mcp' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('user-1')
      .setIssuer('https://issuer.test')
      .setAudience('https://mcp.test/mcp')
      .setExpirationTime(exp)
      .sign(new TextEncoder().encode(secret));
    const request = { header: (name: string) => (name === 'authorization' ? `Bearer ${token}` : undefined) };
    expect(await auth.authenticate(request)).toMatchObject({ principal: { id: 'user-1', kind: 'jwt' } });
    expect(await auth.authenticate(request)).toMatchObject({ principal: { id: 'user-1' } });
    await waitUntil(() => Date.now() > exp * 1000 + 50, 5000, 'the token to expire');
    expect(await auth.authenticate(request)).toMatchObject({ refusal: { status: 401, error: 'invalid_token', description: 'Invalid token: the token has expired' } });
  });
});
