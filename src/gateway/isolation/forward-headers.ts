// The inbound headers a server's `forwardHeaders` allow-list lets through, added to the upstream HTTP requests
// of one forwarded call: the transport's fetch reads them from the call's async context.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { CallContext } from '../../core/index.js';
import { NEVER_FORWARDED } from '../config/upstream-auth.js';

const outbound = new AsyncLocalStorage<ReadonlyArray<[string, string]>>();

/** The allow-listed headers of this call (credentials never, whatever the list says). */
export function pickHeaders(ctx: CallContext, allow: readonly string[] | undefined): Array<[string, string]> {
  // Checked first: reading ctx.http builds the request's Headers, which most calls never need.
  if (!allow || allow.length === 0) return [];
  const inbound = ctx.http?.headers;
  if (!inbound) return [];
  const out: Array<[string, string]> = [];
  for (const name of allow) {
    const value = inbound.get(name);
    if (value !== null && !NEVER_FORWARDED.has(name.toLowerCase())) out.push([name, value]);
  }
  return out;
}

/** Runs `fn` (one forwarded request) with `headers` added to what its transport sends. */
export function withHeaders<T>(headers: ReadonlyArray<[string, string]>, fn: () => Promise<T>): Promise<T> {
  return headers.length === 0 ? fn() : outbound.run(headers, fn);
}

/** A fetch for an upstream's transport that adds the current call's allowed headers (and nothing else). */
export const headerFetch = (url: string | URL, init?: RequestInit): Promise<Response> => {
  const extra = outbound.getStore();
  if (!extra) return fetch(url, init);
  const headers = new Headers(init?.headers);
  // The transport's own headers (session, protocol version, the token) win over anything a caller sent.
  for (const [name, value] of extra) if (!headers.has(name)) headers.set(name, value);
  return fetch(url, { ...init, headers });
};
