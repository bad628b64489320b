// `--oauth` for the client commands: a server with its own OAuth login (GitHub's, Linear's, …) is authorized in a
// browser the first time (a loopback callback on a free port, the URL printed on stderr and opened in the desktop's
// browser when a person is at the terminal, or with --browser), and the grant is kept in
// the user's grants file (MCPLEX_OAUTH_FILE, else $XDG_CONFIG_HOME/mcplex/oauth.json, 0600; sealed with
// MCPLEX_OAUTH_KEY when set) and refreshed, so later commands connect at once; a server that wants more scope than the
// grant holds (403 insufficient_scope) gets the same approval again asking for more, and the command goes on. A
// client registered beforehand (`--client-id`, its secret in MCPLEX_OAUTH_CLIENT_SECRET bound to `--issuer`) is used
// where the authorization server registers none itself; `--dpop` binds the tokens to a key kept with the grant. The
// same flow as the gateway's (src/client/oauth-grants.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { computeScopeUnion } from '@modelcontextprotocol/client';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { authChallengeOf } from '../client/auth-challenge.js';
import { GATEWAY_GRANT, OAuthGrants } from '../client/oauth-grants.js';
import { openInBrowser } from '../client/open-browser.js';
import type { UpstreamSpec } from '../client/upstream-spec.js';
import type { InsufficientScope } from '../client/upstream-errors.js';
import type { UpstreamHttpOptions } from '../client/upstream.js';
import { silentLogger } from '../core/index.js';
import type { SecretStore } from '../core/secret-store.js';
import { completeAuthorization, listenForCallback } from '../gateway/oauth-callback.js';
import { FileSecretStore } from '../stores/file/secret-file.js';
import { MIN_SECRET_LENGTH, SealedSecretStore } from '../stores/sealed-secret-store.js';
import { ExitError } from './exit-error.js';
import { machineOAuth } from './machine-oauth.js';

/** How long the command waits for the person to approve in the browser. */
const WAIT_MS = 10 * 60_000;

export function grantsFile(env = process.env): string {
  return env.MCPLEX_OAUTH_FILE ?? join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'mcplex', 'oauth.json');
}

/** The grants file sealed with MCPLEX_OAUTH_KEY when it is set (as the gateway's `oauth.encryptionKey`). */
export function sealedWithEnvKey(file: SecretStore, env = process.env): SecretStore {
  const key = env.MCPLEX_OAUTH_KEY;
  if (key === undefined || key === '') return file;
  if (key.length < MIN_SECRET_LENGTH) throw new ExitError(`MCPLEX_OAUTH_KEY: expected a secret of at least ${MIN_SECRET_LENGTH} characters (make one with: openssl rand -base64 32)`, 2);
  return new SealedSecretStore(file, key);
}

/** A connection's OAuth: its credentials, and a step-up when the server wants more scope than the grant holds. */
export interface CliOAuth {
  provider: NonNullable<UpstreamHttpOptions['authProvider']>;
  /** Asks the person to widen the grant to what `refused` names (a browser approval), and waits for it. */
  widen(refused: InsufficientScope): Promise<void>;
  /**
   * The server refused the grant (revoked, run out, or its authorization server changed): asks the person to
   * authorize again, and waits for it.
   */
  reauthorize(): Promise<void>;
}

/**
 * How the client is known and authorizes (the command line's flags): a client registered beforehand (`--client-id`,
 * its secret from MCPLEX_OAUTH_CLIENT_SECRET, bound to `--issuer`), where the browser comes back, and the flows
 * without a browser.
 */
export interface CliClient {
  clientId?: string;
  issuer?: string;
  /** The loopback port the browser comes back to (a client registered with a fixed redirect URI). */
  callbackPort?: number;
  /** Tokens bound to a key kept in the grants file beside them (DPoP). */
  dpop?: boolean;
  /** Scope to ask for besides what the server's challenge names, space-separated (`mcplex admin --oauth`: mcplex:admin). */
  scope?: string;
  /** The client known by the metadata document at this https URL (CIMD), where the authorization server takes them. */
  clientMetadataUrl?: string;
  /** The client's own token (client_credentials), with its secret or `privateKey`: no person, no browser. */
  clientCredentials?: boolean;
  /** A PEM file: the client proves itself with a JWT signed by it (private_key_jwt, RFC 7523), `signingAlg` (ES256). */
  privateKey?: string;
  signingAlg?: string;
  /** A file holding the workload's JWT from its platform (workload identity federation: the JWT-bearer grant). */
  workloadToken?: string;
  /**
   * Enterprise-managed authorization (SEP-990, cross-app access): a file holding the person's ID token from the
   * enterprise identity provider, exchanged at its token endpoint `idpTokenEndpoint` (as `idpClientId`) for an
   * authorization grant (ID-JAG) that the MCP server's authorization server takes instead of a sign-in.
   */
  idToken?: string;
  idpTokenEndpoint?: string;
  idpClientId?: string;
}

/**
 * The connection's credentials: the kept grant, after a browser authorization when there is none yet. `browser`:
 * open each authorization URL in the desktop's browser too.
 */
export async function oauthFor(spec: UpstreamSpec, browser: boolean, client: CliClient = {}, env = process.env): Promise<CliOAuth> {
  if (spec.transport !== 'http' && spec.transport !== 'sse') throw new ExitError('--oauth: only for servers over HTTP (--url)', 2);
  const server = spec.url;
  const secret = env.MCPLEX_OAUTH_CLIENT_SECRET || undefined;
  if (client.clientCredentials || client.workloadToken !== undefined || client.idToken !== undefined) return machineOAuth(server, client, secret, env);
  if (secret !== undefined && client.clientId === undefined) throw new ExitError('MCPLEX_OAUTH_CLIENT_SECRET is the secret of a registered client: name it with --client-id', 2);
  // A secret is presented to its own authorization server only (SEP-2352): one an upstream names otherwise is refused.
  if (secret !== undefined && client.issuer === undefined) throw new ExitError('--client-id with MCPLEX_OAUTH_CLIENT_SECRET needs --issuer: the issuer URL of the authorization server the client is registered at', 2);
  if (client.privateKey !== undefined) throw new ExitError('--private-key goes with --client-credentials', 2);
  if (client.clientMetadataUrl !== undefined && !/^https:\/\/[^/]+\/./.test(client.clientMetadataUrl)) throw new ExitError('--client-metadata-url: expected an https URL with a path', 2);
  const store = sealedWithEnvKey(new FileSecretStore(grantsFile()));
  let redirectUrl: string | undefined;
  const grants = new OAuthGrants(server, server, {
    // Known while a command waits for an approval; before that a grant is refreshed, or "needs authorization".
    redirectUrl: () => redirectUrl,
    ...(client.clientId !== undefined && { clientId: client.clientId }),
    ...(secret !== undefined && { clientSecret: secret }),
    ...(client.issuer !== undefined && { issuer: client.issuer }),
    ...(client.dpop && { dpop: true }),
    ...(client.clientMetadataUrl !== undefined && { clientMetadataUrl: client.clientMetadataUrl }),
    ...(client.scope !== undefined && { scopes: client.scope.split(' ').filter(Boolean) }),
  }, store, silentLogger);

  /** Runs `start` with a loopback callback listening; when it answers a URL, asks the person to open it and waits. */
  async function approve(start: () => Promise<string | undefined>, why: () => string): Promise<void> {
    let outcome: (errorCode: number | null) => void = () => {};
    const decided = new Promise<number | null>((resolve) => {
      outcome = resolve;
    });
    const route = {
      method: 'GET' as const,
      path: '/callback',
      handle: (req: IncomingMessage, res: ServerResponse) =>
        completeAuthorization(req, res, { store, grantsOf: () => grants, log: silentLogger, done: (_p, errorCode) => outcome(errorCode) }),
    };
    const listener = await listenForCallback(route, { host: '127.0.0.1', port: client.callbackPort ?? 0 }, silentLogger);
    redirectUrl = listener.url;
    let timer: NodeJS.Timeout | undefined;
    try {
      const url = await start();
      if (!url) return;
      // Opened for the person when asked to (the URL is printed either way, for another browser or machine).
      const failed = browser ? await openInBrowser(url) : 'not asked to';
      const open = failed === undefined ? 'Opened in your browser; if it did not show, open this URL' : 'Open this URL in a browser';
      process.stderr.write(`${server} ${why()}. ${open} and approve mcplex:\n  ${url}\nWaiting for the approval (Ctrl-C to give up)…\n`);
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), WAIT_MS);
      });
      const result = await Promise.race([decided, timeout]);
      if (result === 'timeout') throw new ExitError(`${server}: no approval within ${WAIT_MS / 60_000} minutes`, 1);
      if (result !== null) throw new ExitError(`${server}: the authorization was ${result === -32011 ? 'refused' : 'not completed (the code could not be exchanged)'}`, 1);
      process.stderr.write('Authorized.\n');
    } finally {
      clearTimeout(timer);
      await listener.close();
    }
  }

  // Discovery starts from what the server's 401 names (its metadata's URL, the scope it wants), as from a refusal.
  // Fresh: a URL the SDK started while the command ran went back to no callback listening.
  const authorize = async () => {
    const challenge = await authChallengeOf(server, spec.transport as 'http' | 'sse', spec.headers);
    const scope = client.scope === undefined ? challenge.scope : computeScopeUnion(challenge.scope, client.scope);
    return grants.authorize(GATEWAY_GRANT, { ...challenge, ...(scope && { scope }) }, true);
  };
  if (!(await grants.has(GATEWAY_GRANT))) await approve(authorize, () => 'wants you to log in');
  return {
    provider: grants.provider(GATEWAY_GRANT),
    reauthorize: () => approve(authorize, () => 'wants you to log in again'),
    widen: (refused) =>
      approve(
        () => grants.stepUp(GATEWAY_GRANT, refused.requiredScope, refused.resourceMetadataUrl),
        () => `wants more of your authorization (scope "${grants.pendingStepUp(GATEWAY_GRANT)?.scope ?? refused.requiredScope}")`,
      ),
  };
}
