// The identity provider a server signs people in at (the OAuth proxy, a gateway's caller confirmation): found by
// discovery, and over plain HTTP only on this machine, where a client secret cannot be read on the way.
import { expect, it } from 'vitest';
import { IdentityProvider } from '../../src/server/index.js';
import { startIdp } from '../helpers/oidc-idp.js';

it('discovers a provider on this machine over http, and refuses plain http elsewhere', async () => {
  const idp = await startIdp();
  try {
    idp.register('a-client', 'a-client-secret-0123456789', 'http://127.0.0.1:9/cb');
    const found = await new IdentityProvider().configuration({ issuer: idp.issuer, clientId: 'a-client', clientSecret: 'a-client-secret-0123456789' });
    expect(found.serverMetadata().issuer).toBe(idp.issuer);
    await expect(new IdentityProvider().configuration({ issuer: 'http://login.example.com', clientId: 'a-client', clientSecret: 'a-client-secret-0123456789' })).rejects.toThrow(/HTTPS/i);
  } finally {
    await idp.close();
  }
});
