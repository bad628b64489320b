// The bearer token a request that got 401 was sent with. A request sent before a refresh finished and answered after
// it gets 401 for a token already replaced: it needs the new token, not a refresh of its own (which would spend the
// rotated refresh token a second time, or ask the authorization server again for nothing).
import type { Fetch } from './capped-fetch.js';

const sentWith = new WeakMap<Response, string>();

/** The access token a request carries (`Authorization: Bearer` or `DPoP`), if any. */
export function tokenSentWith(init: RequestInit | undefined, scheme: RegExp = /^(?:bearer|dpop)\s+(.+)$/i): string | undefined {
  return scheme.exec(new Headers(init?.headers).get('authorization') ?? '')?.[1];
}

/** `inner`, remembering the bearer token of each request answered 401. */
export function rememberingSentToken(inner: Fetch): Fetch {
  return async (url, init) => {
    const res = await inner(url, init);
    if (res.status === 401) {
      const token = tokenSentWith(init);
      if (token) sentWith.set(res, token);
    }
    return res;
  };
}

/** The bearer token the request answered by `res` was sent with (undefined: none, or not a 401). */
export const sentToken = (res: Response): string | undefined => sentWith.get(res);
