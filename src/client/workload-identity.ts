// Workload identity federation (SEP-1933, RFC 7523 §2.1): a workload (a CI job, a Kubernetes pod) that holds a JWT
// its platform issued (GitHub Actions' OIDC token, a projected service-account token) presents it to an MCP
// server's authorization server with the JWT-bearer grant and gets an access token, with no secret of its own.
// Read afresh for each token request (platforms rotate the file); sent to the expected issuer only (the SDK's
// SEP-2352 check on the client's `issuer`).
import type { OAuthClientMetadata, OAuthClientProvider, StoredOAuthClientInformation, StoredOAuthTokens } from '@modelcontextprotocol/client';

export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

export interface WorkloadIdentityOptions {
  /** The client id the authorization server knows the workload by. */
  clientId: string;
  /** The authorization server's issuer: the workload's JWT goes nowhere else. */
  expectedIssuer: string;
  /** The workload's JWT, as it is now. */
  assertion: () => string | Promise<string>;
  scope?: string;
}

export class WorkloadIdentityProvider implements OAuthClientProvider {
  #tokens: StoredOAuthTokens | undefined;

  constructor(private readonly options: WorkloadIdentityOptions) {}

  get redirectUrl(): undefined {
    return undefined;
  }

  get clientMetadata(): OAuthClientMetadata {
    return { client_name: 'mcplex', redirect_uris: [], grant_types: [JWT_BEARER_GRANT], token_endpoint_auth_method: 'none', ...(this.options.scope && { scope: this.options.scope }) };
  }

  clientInformation(): StoredOAuthClientInformation {
    return { client_id: this.options.clientId, issuer: this.options.expectedIssuer };
  }

  tokens(): StoredOAuthTokens | undefined {
    return this.#tokens;
  }

  saveTokens(tokens: StoredOAuthTokens): void {
    this.#tokens = tokens;
  }

  redirectToAuthorization(): void {
    throw new Error('a workload authorizes with its JWT, not in a browser (the authorization server refused it)');
  }

  saveCodeVerifier(): void {}

  codeVerifier(): string {
    throw new Error('a workload authorizes with its JWT: no code verifier');
  }

  async prepareTokenRequest(scope?: string): Promise<URLSearchParams> {
    const params = new URLSearchParams({ grant_type: JWT_BEARER_GRANT, assertion: (await this.options.assertion()).trim() });
    if (scope) params.set('scope', scope);
    return params;
  }
}
