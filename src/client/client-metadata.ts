// What the gateway says about itself as an OAuth client of upstream authorization servers: the metadata it
// registers with (dynamic client registration, RFC 7591) and the Client ID Metadata Document it serves at its
// `client_id` URL for authorization servers that take a URL as the client id (CIMD, the MCP authorization spec's
// preferred registration; SEP-991).
import type { OAuthClientMetadata } from '@modelcontextprotocol/client';

const DEFAULT_CLIENT_NAME = 'mcplex gateway';

/** Registered with an authorization server that has no client for the gateway yet. */
export function registrationMetadata(opts: { redirectUrl: string; clientName?: string; confidential: boolean; scopes?: string[] }): OAuthClientMetadata {
  return {
    client_name: opts.clientName ?? DEFAULT_CLIENT_NAME,
    redirect_uris: [opts.redirectUrl],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: opts.confidential ? 'client_secret_basic' : 'none',
    ...(opts.scopes?.length && { scope: opts.scopes.join(' ') }),
  };
}

/**
 * The document served at `clientId` (an https URL): the gateway as a public client (PKCE; a document may not name a
 * shared secret), returning browsers to `redirectUrl`. One document for every upstream: scopes are asked per
 * authorization, not registered.
 */
export function clientMetadataDocument(clientId: string, redirectUrl: string, clientName?: string): OAuthClientMetadata & { client_id: string } {
  return { client_id: clientId, ...registrationMetadata({ redirectUrl, confidential: false, ...(clientName && { clientName }) }) };
}
