// Who is calling. The edge's authentication builds the principal; everything downstream reads it, and nothing
// downstream (tool arguments, client `_meta`, headers) may change it.

/** `jwt`: an OAuth access token's holder (a JWT, or an opaque token introspected). */
export type PrincipalKind = 'anonymous' | 'local' | 'apiKey' | 'jwt' | 'mtls';

export interface Principal {
  readonly id: string;
  readonly kind: PrincipalKind;
  readonly tenant?: string;
  readonly scopes: readonly string[];
  /** Roles access control grants capabilities to (from config or mapped claims). */
  readonly roles?: readonly string[];
  readonly claims: Readonly<Record<string, unknown>>;
}

export const ANONYMOUS: Principal = Object.freeze({ id: 'anonymous', kind: 'anonymous', scopes: [], claims: {} });

/** The gateway itself: when it reads an upstream's lists for its catalog, and in audit records of its own acts (reloads). */
export const GATEWAY_PRINCIPAL: Principal = Object.freeze({ id: 'mcplex-gateway', kind: 'local', scopes: [], claims: {} });

/** The scope that opens administrative endpoints (readiness detail, metrics, audit, cache and mode switches). */
export const ADMIN_SCOPE = 'mcplex:admin';
