// Token revocation (RFC 7009): a grant let go of is revoked at the authorization server that issued it, so a copy of
// its refresh token (a backup of the grants file, a store read by someone else) stops being good too. The refresh
// token is revoked first (RFC 7009 §2.1: servers then end the grant's access tokens too), then the access token
// (for servers that do not). The request is openid-client's, as the client the grant was issued to.
import { type AuthorizationServerMetadata, type OAuthClientInformationMixed, selectClientAuthMethod } from '@modelcontextprotocol/client';
import * as oidc from 'openid-client';
import { isLoopback } from '../core/loopback.js';

export const NO_REVOCATION_ENDPOINT = 'the authorization server names no revocation endpoint';

/** What became of a revocation: done, or why not (the grant is let go of here either way). */
export type Revocation = { revoked: true; at: string } | { revoked: false; reason: string };

export interface RevokedGrant {
  access_token: string;
  refresh_token?: string;
}

/**
 * Revokes `tokens` at the authorization server `metadata` describes, as `client`. Never throws: a server that names
 * no revocation endpoint, or refuses, or cannot be reached, is reported as the reason it was not revoked.
 */
export async function revokeTokens(metadata: AuthorizationServerMetadata | undefined, client: OAuthClientInformationMixed | undefined, tokens: RevokedGrant): Promise<Revocation> {
  const endpoint = (metadata as RevocationMetadata | undefined)?.revocation_endpoint;
  if (!metadata || !endpoint) return { revoked: false, reason: `${NO_REVOCATION_ENDPOINT} (RFC 7009)` };
  if (!client) return { revoked: false, reason: 'the client the grant was issued to is not known here' };
  try {
    const config = new oidc.Configuration(metadata as oidc.ServerMetadata, client.client_id, undefined, clientAuth(client, metadata));
    // Plain HTTP for one on this machine only (a development one), as the SDK's token requests.
    const url = new URL(endpoint);
    if (url.protocol === 'http:' && isLoopback(url.hostname)) oidc.allowInsecureRequests(config);
    if (tokens.refresh_token) await oidc.tokenRevocation(config, tokens.refresh_token, { token_type_hint: 'refresh_token' });
    await oidc.tokenRevocation(config, tokens.access_token, { token_type_hint: 'access_token' }).catch((err: unknown) => {
      // Servers that revoke refresh tokens only (RFC 7009 §2.2.1) have ended the grant with it.
      if (!(tokens.refresh_token && err instanceof oidc.ResponseBodyError && err.error === 'unsupported_token_type')) throw err;
    });
    return { revoked: true, at: endpoint };
  } catch (err) {
    return { revoked: false, reason: `the revocation at ${endpoint} ${refusal(err)}` };
  }
}

/** RFC 8414's revocation fields (the SDK's OpenID metadata type does not name them; its OAuth one does). */
interface RevocationMetadata {
  revocation_endpoint?: string;
  revocation_endpoint_auth_methods_supported?: string[];
}

/** How the client authenticates there: as the token endpoint was asked (client_secret_basic, _post, or none). */
function clientAuth(client: OAuthClientInformationMixed, metadata: AuthorizationServerMetadata): oidc.ClientAuth {
  const supported = (metadata as RevocationMetadata).revocation_endpoint_auth_methods_supported ?? metadata.token_endpoint_auth_methods_supported ?? [];
  const method = selectClientAuthMethod(client, supported);
  const secret = client.client_secret;
  if (method === 'client_secret_basic' && secret) return oidc.ClientSecretBasic(secret);
  if (method === 'client_secret_post' && secret) return oidc.ClientSecretPost(secret);
  return oidc.None();
}

/** What the revocation endpoint answered (its OAuth error, also from a 401's challenge), or how the request failed. */
function refusal(err: unknown): string {
  const answered = (error: string | undefined, description: string | undefined) => `answered ${error}${description ? `: ${description}` : ''}`;
  if (err instanceof oidc.ResponseBodyError) return answered(err.error, err.error_description);
  if (err instanceof oidc.WWWAuthenticateChallengeError) {
    const { error, error_description } = err.cause[0]?.parameters ?? {};
    return answered(error ?? `HTTP ${err.status}`, error_description);
  }
  return `failed: ${(err as Error).message}`;
}
