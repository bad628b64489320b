// SEP-2243 on the serving side: a 2026-era tools/call over HTTP whose `Mcp-Param-*` headers are missing, malformed or
// disagree with its arguments is refused with -32020 (HeaderMismatch; the HTTP layer answers it with 400). Checked
// where the tool is resolved, after the pipeline: a caller who may not see the tool learns nothing of its headers;
// what answers before the terminal (a cache hit, dedup) runs it through PARAM_HEADER_CHECK (core).
import { type CallContext, WireError } from '../core/index.js';
import { HEADER_MISMATCH, paramHeaderMismatch, paramHeadersOf } from '../wire/param-headers.js';

export function checkParamHeaders(ctx: CallContext, inputSchema: unknown, args: unknown): void {
  const http = ctx.http;
  if (ctx.era !== 'modern' || !http) return;
  const declared = paramHeadersOf(inputSchema);
  if (declared.length === 0) return;
  const mismatch = paramHeaderMismatch(declared, args, (name) => http.headers.get(name));
  if (mismatch) throw new WireError(HEADER_MISMATCH, `Bad Request: the request headers and body disagree: ${mismatch.body}`, { mismatch });
}
