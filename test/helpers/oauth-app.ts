// An MCP app's side of OAuth, as a desktop app built on the official SDK keeps it (its client registration, tokens and
// PKCE verifier; the authorization URL it would open is caught), and a person approving it on an OAuth proxy's
// consent page and signing in at the identity provider behind it.
import { randomBytes } from 'node:crypto';
import { Client, type OAuthClientInformationMixed, type OAuthClientProvider, type OAuthTokens, StreamableHTTPClientTransport, UnauthorizedError } from '@modelcontextprotocol/client';
import type { Browser, Page } from './browser.js';
import type { Idp } from './oidc-idp.js';

/** Where the app is sent back (nothing listens: the browser stops there). */
export const APP_CALLBACK = 'http://127.0.0.1:9/cb';

/** An MCP client's OAuth state, as a desktop app keeps it; the authorization URL it would open is caught. */
export class AppProvider implements OAuthClientProvider {
  client: OAuthClientInformationMixed | undefined;
  saved: OAuthTokens | undefined;
  opened: URL | undefined;
  #verifier = '';
  /** `clientMetadataUrl`: the app known by its Client ID Metadata Document where the server takes them, not registered. */
  constructor(
    readonly name: string,
    readonly clientMetadataUrl?: string,
  ) {}
  get redirectUrl() {
    return APP_CALLBACK;
  }
  get clientMetadata() {
    return { client_name: this.name, redirect_uris: [APP_CALLBACK], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none' };
  }
  state() {
    return randomBytes(12).toString('base64url');
  }
  clientInformation() {
    return this.client;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.client = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens;
  }
  redirectToAuthorization(at: URL) {
    this.opened = at;
  }
  saveCodeVerifier(v: string) {
    this.#verifier = v;
  }
  codeVerifier() {
    return this.#verifier;
  }
}

/** Connects; the first time, the gateway's 401 sends the app to register and authorize (caught, not opened). */
export async function connect(url: string, app: AppProvider): Promise<{ client: Client; transport: StreamableHTTPClientTransport } | UnauthorizedError> {
  const transport = new StreamableHTTPClientTransport(new URL(url), { authProvider: app });
  const client = new Client({ name: app.name, version: '1.0.0' });
  try {
    await client.connect(transport);
    return { client, transport };
  } catch (err) {
    if (err instanceof UnauthorizedError) return err;
    throw err;
  }
}

/** The person approves on the gateway's page and signs in at the provider: the code and state the app gets back. */
export async function approve(idp: Idp, browser: Browser, at: URL, person: string): Promise<{ consent: Page; back: URL }> {
  const consent = await browser.open(at.href);
  const signIn = await browser.submit(consent, { decision: 'approve' });
  const back = await idp.signIn(browser, signIn, person, APP_CALLBACK);
  return { consent, back: new URL(back.url) };
}
