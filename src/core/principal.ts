// Who is calling. Auth middleware replaces the anonymous principal; everything downstream reads it.

export type PrincipalKind = 'anonymous' | 'apiKey' | 'jwt' | 'mtls';

export interface Principal {
  readonly id: string;
  readonly kind: PrincipalKind;
  readonly tenant?: string;
  readonly scopes: readonly string[];
  readonly claims: Readonly<Record<string, unknown>>;
}

export const ANONYMOUS: Principal = Object.freeze({ id: 'anonymous', kind: 'anonymous', scopes: [], claims: {} });
