// Authentication: the edge's per-request Authenticator (API keys, JWT, mTLS, anonymous) and the pipeline
// middleware that refuses unauthenticated or under-scoped callers.
export { API_KEY_PREFIX, type ApiKeyPrincipal, ApiKeys, HASH_PATTERN, hashApiKey, newApiKey } from './api-keys.js';
export { type AuthOptions, createAuthenticator } from './authenticator.js';
export { bearerChallenge } from './challenge.js';
export { type ClientKeyFields, clientAuth } from './client-auth.js';
export { type DpopNonceOptions, DpopNonces } from './dpop-nonces.js';
export { type IntrospectionOptions, TokenIntrospector } from './introspection.js';
export { type JwtClaimMap, type JwtOptions, JwtVerifier } from './jwt.js';
export { certificateName, type MtlsOptions, MtlsMapper } from './mtls.js';
export { type RequireAuthOptions, requireAuth } from './require-auth.js';
export type { AuthOutcome, AuthRefusal, AuthRequest, Authenticator, ClientCertificate } from './types.js';
