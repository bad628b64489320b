// What handlers see of a node HTTP request (`sctx.http.req`): its headers as web Headers, built only when read;
// and one header as a single string, for the edge's own checks.
import type { IncomingMessage } from 'node:http';

/** What handlers see of the HTTP request (headers, built on demand). */
export function requestInfo(req: IncomingMessage): Request {
  let headers: Headers | undefined;
  return {
    get headers() {
      headers ??= new Headers(Object.entries(req.headers).flatMap(([k, v]) => (v === undefined ? [] : Array.isArray(v) ? v.map((x) => [k, x]) : [[k, v]])) as [string, string][]);
      return headers;
    },
  } as Request;
}

/** A header's value when it came once (a repeated header is an array in node: undefined here). */
export function headerOf(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === 'string' ? v : undefined;
}
