// CORS for browser-based MCP clients (the Inspector's web UI in direct mode, a web app on the SDK's client) at
// origins the operator names: their preflights are answered and their pages may read the answers, the session and
// auth headers included. Off unless origins are named; a page at any other origin is refused by the Origin check.

export interface CorsOptions {
  /** Origins whose pages may call, as browsers send them (`https://app.example.com`, `http://localhost:6274`); '*' any. */
  origins: string[];
  /** How long a browser may reuse a preflight's answer; default 600 s (Chromium keeps one at most 7 200 s). */
  maxAgeSeconds?: number;
}

/** Response headers a page may read: the session, the protocol version, the auth challenge, when to come back. */
const EXPOSED = 'mcp-session-id, mcp-protocol-version, www-authenticate, retry-after, dpop-nonce';
/** A list of header names (what Access-Control-Request-Headers holds); anything else is not echoed. */
const HEADER_NAMES = /^[\w!#$%&'*+.^`|~-]+(\s*,\s*[\w!#$%&'*+.^`|~-]+)*$/;

/** Why `origin` cannot be a CORS origin, or undefined when it can. */
export function corsOriginProblem(origin: string): string | undefined {
  if (origin === '*') return undefined;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return `'${origin}' is not an origin; expected scheme://host[:port] (e.g. https://app.example.com) or '*'`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `'${origin}' is not an http(s) origin`;
  if (url.origin !== origin.replace(/\/$/, '').toLowerCase()) return `'${origin}' is not an origin: no path, query or user; write ${url.origin}`;
  return undefined;
}

export class Cors {
  readonly #any: boolean;
  readonly #origins: Set<string>;
  readonly #maxAge: string;

  constructor(options?: CorsOptions) {
    const origins = options?.origins ?? [];
    for (const origin of origins) {
      const problem = corsOriginProblem(origin);
      if (problem) throw new Error(`cors.origins: ${problem}`);
    }
    this.#any = origins.includes('*');
    this.#origins = new Set(origins.filter((o) => o !== '*').map((o) => new URL(o).origin));
    this.#maxAge = String(options?.maxAgeSeconds ?? 600);
  }

  /** Whether pages at `origin` may call and read the answers (an opaque `null` origin never may). */
  allows(origin: string | null | undefined): origin is string {
    return origin !== undefined && origin !== null && origin !== 'null' && (this.#any || this.#origins.has(origin));
  }

  /** What lets the page at `origin` read an answer. */
  answerHeaders(origin: string): Record<string, string> {
    return { 'access-control-allow-origin': origin, 'access-control-expose-headers': EXPOSED, vary: 'Origin' };
  }

  /** The answer to a preflight from `origin`: the methods, the headers it asked to send, how long to keep it. */
  preflightHeaders(origin: string, requested: string | null | undefined): Record<string, string> {
    return {
      'access-control-allow-origin': origin,
      'access-control-allow-methods': 'GET, POST, DELETE',
      ...(requested && HEADER_NAMES.test(requested) && { 'access-control-allow-headers': requested }),
      'access-control-max-age': this.#maxAge,
      vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
    };
  }
}
