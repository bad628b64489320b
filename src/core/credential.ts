// The verified credential a principal presented (a bearer token), kept beside the principal and never inside
// it, so it cannot reach a log, a claim dump or the wire; only code that exchanges it for an upstream token reads it.

const credentials = new WeakMap<object, string>();

/** Called by authentication once the token is verified. */
export function attachCredential(principal: object, token: string): void {
  credentials.set(principal, token);
}

/** The verified token behind `principal`, if it presented one (RFC 8693 token exchange needs it). */
export function credentialOf(principal: object): string | undefined {
  return credentials.get(principal);
}
