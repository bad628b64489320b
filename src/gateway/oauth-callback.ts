// Where an authorization server sends the browser back (`?code&state`, or `?error`): the authorization started
// under `state` is completed (its code exchanged, the grant kept) and the person sees a short page saying how it
// went. Served by the gateway (on its listener, or on a loopback listener of its own over stdio) and by the CLI.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type PendingAuthorization, pendingAuthorization } from '../client/oauth-grant-records.js';
import { GATEWAY_GRANT, type OAuthGrants } from '../client/oauth-grants.js';
import { ErrorCode, type Logger, type SecretStore } from '../core/index.js';
import { type HttpRoute, page, sendJson } from '../server/index.js';

export interface CallbackOptions {
  store: SecretStore;
  grantsOf: (server: string) => OAuthGrants | undefined;
  log: Logger;
  /** How the authorization started under `state` ended: null granted, -32011 refused by the person, -32014 the code could not be exchanged. */
  done?: (pending: PendingAuthorization, errorCode: number | null, startedAt: number, durationMs: number, state: string) => void;
  /** For an authorization given to a caller through a confirmation (`pending.confirm`): this browser confirmed who it is. */
  confirmed?: (req: IncomingMessage, state: string) => Promise<boolean>;
}

export async function completeAuthorization(req: IncomingMessage, res: ServerResponse, o: CallbackOptions): Promise<void> {
  const startedAt = Date.now();
  const started = performance.now();
  const q = new URL(req.url ?? '/', 'http://callback').searchParams;
  const state = q.get('state');
  const pending = state ? await pendingAuthorization(o.store, state) : undefined;
  if (!state || !pending) return page(res, 400, 'Authorization not found', 'This authorization link has run out or was already used. Start again from your MCP client.');
  const grants = o.grantsOf(pending.server);
  if (!grants) return page(res, 400, 'Authorization not found', `There is no server '${pending.server}' that uses OAuth here any more.`);
  if (pending.confirm && !(await o.confirmed?.(req, state))) {
    o.log.warn({ upstream: pending.server }, 'an upstream OAuth authorization came back to a browser that did not confirm who it is; refused');
    return page(res, 403, 'Authorization not confirmed', 'This authorization was not confirmed in this browser. Open the link your MCP client gave you, in this browser, and confirm who you are there.');
  }
  const done = (errorCode: number | null) => o.done?.(pending, errorCode, startedAt, performance.now() - started, state);
  const error = q.get('error');
  if (error) {
    const description = q.get('error_description') ?? undefined;
    o.log.warn({ upstream: pending.server, error }, 'an upstream OAuth authorization was refused');
    // Kept, so whoever waits for the grant (`mcplex admin oauth authorize --wait`) learns it will not come.
    await grants.refused(pending, state, error, description).catch((err: Error) => o.log.warn({ upstream: pending.server, problem: err.message }, 'the refusal was not kept'));
    done(ErrorCode.Forbidden);
    return page(res, 400, 'Authorization refused', `The authorization server answered: ${error}${description ? ` (${description})` : ''}.`);
  }
  const code = q.get('code');
  if (!code) return page(res, 400, 'Authorization incomplete', 'The authorization server sent no code.');
  try {
    await grants.complete(pending, state, code, q.get('iss') ?? undefined);
  } catch (err) {
    o.log.warn({ err, upstream: pending.server }, 'an upstream OAuth code exchange failed');
    done(ErrorCode.UpstreamUnavailable);
    return page(res, 502, 'Authorization failed', `The code could not be exchanged for a token: ${(err as Error).message}`);
  }
  const forCaller = pending.key !== GATEWAY_GRANT;
  o.log.info({ upstream: pending.server, for: forCaller ? 'caller' : 'gateway' }, 'upstream authorized');
  done(null);
  page(res, 200, 'Authorized', `mcplex may now use ${pending.server}${forCaller ? ' for you' : ''}. You can close this window and return to your MCP client.`);
}

/** A listener that serves `route` (the callback) and nothing else; `url` is its origin and the route's path. */
export async function listenForCallback(route: HttpRoute, at: { host: string; port: number }, log: Logger): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || new URL(req.url ?? '/', 'http://callback').pathname !== route.path) return sendJson(res, 404, { error: `Not found; only the OAuth callback (${route.path}) is served here` });
    void Promise.resolve(route.handle(req, res)).catch((err) => {
      log.error({ err }, 'OAuth callback failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'Internal error' });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(at.port, at.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${at.host.includes(':') ? `[${at.host}]` : at.host}:${port}${route.path}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
