// The SDK's handler answers a handler's error in band (HTTP 200); headers that disagree with the body (SEP-2243
// Mcp-Param-*, -32020, raised where the tool is resolved) are a 400 by the spec. Only a JSON answer can still change
// its status (an SSE one has begun), and only tools/call raises it.
import type { McpHandlerRequestOptions } from '@modelcontextprotocol/server';
import { HEADER_MISMATCH } from '../../wire/param-headers.js';
import { FIRST_MODERN_VERSION } from './classify.js';

export async function headerMismatchAs400(response: Response): Promise<Response> {
  if (response.status !== 200 || !String(response.headers.get('content-type')).startsWith('application/json')) return response;
  const text = await response.text();
  let code: unknown;
  try {
    code = (JSON.parse(text) as { error?: { code?: unknown } }).error?.code;
  } catch {
    // not one JSON-RPC message: passed on as it came
  }
  return new Response(text, { status: code === HEADER_MISMATCH ? 400 : 200, headers: response.headers });
}

type Fetch = (request: Request, options?: McpHandlerRequestOptions) => Promise<Response>;

/** The SDK handler's fetch, its tools/call answers refused for their headers made 400s. */
export function withHeaderMismatchStatus(fetch: Fetch): { fetch: Fetch } {
  return {
    fetch: async (request, options) => {
      const response = await fetch(request, options);
      const call = (options?.parsedBody as { method?: unknown } | undefined)?.method === 'tools/call';
      // Only a 2026-era request (it names its revision in this header) can be refused for its Mcp-Param headers.
      return call && (request.headers.get('mcp-protocol-version')?.trim() ?? '') >= FIRST_MODERN_VERSION ? headerMismatchAs400(response) : response;
    },
  };
}
