// What handlers see of a node HTTP request (`sctx.http.req`): its headers as web Headers, built only when read.
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
