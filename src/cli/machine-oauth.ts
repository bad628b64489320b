// `--oauth` without a browser: a client that authorizes as itself (`--client-credentials`, with its secret or a
// private key), a workload with its platform's JWT (`--workload-token`), or a person's ID token from an enterprise
// identity provider exchanged for an ID-JAG (`--id-token`). The credential goes to `--issuer`'s authorization server
// only (the SDK refuses another one the MCP server names); a token per run.
import { readFileSync } from 'node:fs';
import { ClientCredentialsProvider, CrossAppAccessProvider, PrivateKeyJwtProvider, requestJwtAuthorizationGrant } from '@modelcontextprotocol/client';
import { WorkloadIdentityProvider } from '../client/workload-identity.js';
import type { CliClient, CliOAuth } from './client-oauth.js';
import { ExitError } from './exit-error.js';

/** The provider for `client`'s flow; it cannot be widened or authorized again by a person (the command says why). */
export function machineOAuth(server: string, client: CliClient, secret: string | undefined, env: NodeJS.ProcessEnv): CliOAuth {
  const how = client.idToken !== undefined ? '--id-token' : client.workloadToken !== undefined ? '--workload-token' : '--client-credentials';
  if (client.clientId === undefined || client.issuer === undefined) throw new ExitError(`${how} needs --client-id and --issuer (the authorization server the client is registered at)`, 2);
  const read = (flag: string, file: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch (err) {
      throw new ExitError(`${flag}: ${(err as Error).message}`, 2);
    }
  };
  const base = { clientId: client.clientId, expectedIssuer: client.issuer, clientName: 'mcplex' };
  let provider: CliOAuth['provider'];
  if (client.idToken !== undefined) {
    const { idpTokenEndpoint, idpClientId, idToken } = client;
    if (idpTokenEndpoint === undefined || idpClientId === undefined) {
      throw new ExitError('--id-token needs --idp-token-endpoint (the identity provider\'s token endpoint) and --idp-client-id (this client there; its secret, if any, in MCPLEX_IDP_CLIENT_SECRET)', 2);
    }
    if (secret === undefined) throw new ExitError('--id-token needs the secret of --client-id in MCPLEX_OAUTH_CLIENT_SECRET (the MCP server\'s authorization server authenticates the client)', 2);
    read('--id-token', idToken);
    const idpSecret = env.MCPLEX_IDP_CLIENT_SECRET || undefined;
    provider = new CrossAppAccessProvider({
      ...base,
      clientSecret: secret,
      assertion: async (ctx) =>
        (
          await requestJwtAuthorizationGrant({
            tokenEndpoint: idpTokenEndpoint,
            audience: ctx.authorizationServerUrl,
            resource: ctx.resourceUrl,
            idToken: read('--id-token', idToken).trim(),
            clientId: idpClientId,
            ...(idpSecret && { clientSecret: idpSecret }),
            ...(ctx.scope && { scope: ctx.scope }),
            fetchFn: ctx.fetchFn,
          })
        ).jwtAuthGrant,
    });
  } else if (client.workloadToken !== undefined) {
    if (client.clientCredentials || secret !== undefined || client.privateKey !== undefined) throw new ExitError('--workload-token is the workload\'s credential: not with --client-credentials, a secret or --private-key', 2);
    const file = client.workloadToken;
    read('--workload-token', file);
    provider = new WorkloadIdentityProvider({ ...base, assertion: () => read('--workload-token', file) });
  } else {
    if ((secret === undefined) === (client.privateKey === undefined)) throw new ExitError('--client-credentials needs the client secret in MCPLEX_OAUTH_CLIENT_SECRET or a key with --private-key (one of them)', 2);
    provider =
      client.privateKey !== undefined
        ? new PrivateKeyJwtProvider({ ...base, privateKey: read('--private-key', client.privateKey), algorithm: client.signingAlg ?? 'ES256' })
        : new ClientCredentialsProvider({ ...base, clientSecret: secret! });
  }
  const cannot = (what: string) => async () => {
    throw new ExitError(`${server} ${what}: a client authorizing as itself cannot be given more (ask its authorization server for the client's scopes)`, 1);
  };
  return { provider, widen: cannot('wants more scope than the client holds'), reauthorize: cannot('refused the client\'s token') };
}
