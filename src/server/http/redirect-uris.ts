// Redirect URIs of OAuth clients that register themselves (RFC 7591) with an authorization server here: which may
// be registered, and whether one asked for is one registered.
import { isLoopback } from '../../core/index.js';

/** Schemes a client may not be sent back to (RFC 8252 allows private-use schemes for native apps, not these). */
const UNSAFE_SCHEMES = new Set(['javascript:', 'data:', 'file:', 'vbscript:', 'about:', 'blob:']);

/** A redirect URI a client may register: https, http on this machine, or a native app's own scheme. */
export function redirectProblem(uri: unknown): string | undefined {
  if (typeof uri !== 'string' || !URL.canParse(uri)) return 'is not a URL';
  const u = new URL(uri);
  if (u.hash) return 'has a fragment';
  if (UNSAFE_SCHEMES.has(u.protocol)) return `uses ${u.protocol}`;
  if (u.protocol === 'http:' && !isLoopback(u.hostname)) return 'is http but not on the loopback address';
  return undefined;
}

/** Whether `asked` is one of `registered` (a loopback redirect may come back on any port: RFC 8252 §7.3). */
export function registeredRedirect(registered: readonly string[], asked: string): boolean {
  if (registered.includes(asked)) return true;
  if (!URL.canParse(asked)) return false;
  const a = new URL(asked);
  if (a.protocol !== 'http:' || !isLoopback(a.hostname)) return false;
  return registered.some((r) => {
    const u = new URL(r);
    return u.protocol === 'http:' && u.hostname === a.hostname && u.pathname === a.pathname && u.search === a.search;
  });
}
