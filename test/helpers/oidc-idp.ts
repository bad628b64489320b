// A real OpenID Connect provider on 127.0.0.1 (panva's oidc-provider, with its development sign-in pages: any login
// name signs in as that subject), for tests that send a person through a sign-in. Its listener is up first (the
// issuer URL goes into a config); `register` then makes the provider with the one client and its redirect URI.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import type { Browser, Page } from './browser.js';

export interface Idp {
  issuer: string;
  /** Makes the provider, with client `clientId` (secret `clientSecret`) allowed to return to `redirectUri`. */
  register(clientId: string, clientSecret: string, redirectUri: string): void;
  /** The person in `browser`, at the sign-in page `page`, signs in as `login` and consents; stops at `stopAt`. */
  signIn(browser: Browser, page: Page, login: string, stopAt?: string): Promise<Page>;
  close(): Promise<void>;
}

export async function startIdp(): Promise<Idp> {
  let handler = (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(503).end();
  };
  const server: Server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    register(clientId, clientSecret, redirectUri) {
      const provider = new Provider(issuer, {
        clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: [redirectUri], grant_types: ['authorization_code'], response_types: ['code'] }],
        pkce: { required: () => true },
      });
      handler = provider.callback() as typeof handler;
    },
    async signIn(browser, page, login, stopAt) {
      let at = await browser.submit(page, { login, password: 'any' }, stopAt);
      // The consent page (one per client and person), then back to the client.
      for (let i = 0; i < 3 && at.status === 200 && at.text.includes('<form'); i++) at = await browser.submit(at, {}, stopAt);
      return at;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
