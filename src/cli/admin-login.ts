// `mcplex admin --oauth` (and `mcplex audit --url … --oauth`): the operator of a gateway run with single sign-on
// (auth.jwt or auth.introspection, an authorization server its metadata names) logs in in a browser, as `mcplex call
// --oauth` does at its MCP endpoint, asking for the mcplex:admin scope besides what the gateway asks of every caller;
// the grant is kept in the user's grants file (MCPLEX_OAUTH_FILE) and refreshed, so later commands use it at once. A
// grant from before without the admin scope is widened (one more approval); one refused is logged in again.
import { ADMIN_SCOPE } from '../core/index.js';
import { InsufficientScope } from '../client/upstream-errors.js';
import type { AdminLogin } from './admin-api.js';
import type { CliOAuth } from './client-oauth.js';
import { ExitError } from './exit-error.js';

const METADATA = '/.well-known/oauth-protected-resource';

/** What the gateway's protected-resource metadata says of its MCP endpoint (RFC 9728). */
interface ResourceMetadata {
  resource?: string;
  authorization_servers?: string[];
  scopes_supported?: string[];
}

/** The login to the gateway at `url`, started by the first request that needs its token. */
export function adminLogin(url: string, browser: boolean): AdminLogin {
  const metadataUrl = new URL(METADATA, url);
  let started: Promise<CliOAuth> | undefined;
  const oauth = () => {
    started ??= (async () => {
      const res = await fetch(metadataUrl, { signal: AbortSignal.timeout(10_000) }).catch(() => undefined);
      if (!res) throw new ExitError(`cannot reach the gateway at ${url}: is it running there? (--url or MCPLEX_URL)`, 1);
      const prm = (res.ok ? await res.json().catch(() => ({})) : {}) as ResourceMetadata;
      if (!prm.resource || !prm.authorization_servers?.length) {
        throw new ExitError(`--oauth: the gateway at ${url} names no authorization server (GET ${METADATA} answered ${res.status}); give its admin credential in MCPLEX_ADMIN_KEY instead`, 2);
      }
      // What every caller needs (its required scopes) and the admin scope, asked for in one approval.
      const scope = [...new Set([...(prm.scopes_supported ?? []), ADMIN_SCOPE])].join(' ');
      const { oauthFor } = await import('./client-oauth.js');
      return oauthFor({ name: 'gateway', transport: 'http', url: prm.resource, headers: {}, timeoutMs: 15_000, connectTimeoutMs: 15_000 }, browser, { scope });
    })();
    return started;
  };
  return {
    token: async () => {
      const { provider } = await oauth();
      return 'token' in provider ? provider.token() : (await provider.tokens())?.access_token;
    },
    widen: async () => (await oauth()).widen(new InsufficientScope(url, ADMIN_SCOPE, metadataUrl)),
    reauthorize: async () => (await oauth()).reauthorize(),
  };
}
