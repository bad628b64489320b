// How to reach one upstream MCP server. The gateway's config maps onto this; the client layer knows no YAML.
import type { Transport } from '@modelcontextprotocol/client';

/** The revisions an upstream can be pinned to (`protocol:`), newest first; 'auto' negotiates among them. */
export const PROTOCOL_REVISIONS = ['2026-07-28', '2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05'] as const;

interface CommonSpec {
  name: string;
  /** Per-request timeout toward this server. */
  timeoutMs: number;
  connectTimeoutMs: number;
  /** Which protocol revision to speak: 'auto' (negotiate, the default) or an exact revision, e.g. '2025-11-25'. */
  protocol?: string;
  /** The largest message this server may send (a stdio line, a JSON body, one SSE event); default 10 MiB. */
  maxMessageBytes?: number;
}
export interface StdioUpstreamSpec extends CommonSpec {
  transport: 'stdio';
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
}
export interface HttpUpstreamSpec extends CommonSpec {
  transport: 'http' | 'sse';
  url: string;
  headers: Record<string, string>;
}
/**
 * A server running in this process (a gateway built-in): `open` returns the client end of a fresh in-memory link
 * to a new server instance. The client layer knows no servers; the gateway, which may, passes the opener in.
 */
export interface InProcessUpstreamSpec extends CommonSpec {
  transport: 'builtin';
  /** What runs there, for status and for telling configs apart on reload (plain data). */
  builtin: { kind: string; options: unknown };
  open(): Transport | Promise<Transport>;
}
export type UpstreamSpec = StdioUpstreamSpec | HttpUpstreamSpec | InProcessUpstreamSpec;

const hasHeader = (headers: Record<string, string>, name: string) => Object.keys(headers).some((k) => k.toLowerCase() === name);
const decode = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

/**
 * fetch refuses URLs with user-info (and would quote them, password included, in its error), so `user:pass@`
 * becomes an `Authorization: Basic` header. An Authorization header given explicitly wins; the user-info is dropped.
 */
export function moveUrlCredentials(url: string, headers: Record<string, string>): { url: string; headers: Record<string, string> } {
  if (!URL.canParse(url)) return { url, headers };
  const u = new URL(url);
  if (!u.username && !u.password) return { url, headers };
  const basic = Buffer.from(`${decode(u.username)}:${decode(u.password)}`).toString('base64');
  u.username = '';
  u.password = '';
  // A null-prototype map, as the config's maps are.
  const moved = hasHeader(headers, 'authorization') ? headers : Object.assign(Object.create(null) as Record<string, string>, headers, { Authorization: `Basic ${basic}` });
  return { url: u.href, headers: moved };
}

/** What of a spec is secret, for scrubbing error text: header values (and their tokens), URL credentials and query values, secret-named env values. */
export function specSecrets(spec: UpstreamSpec): string[] {
  const out: string[] = [];
  if (spec.transport === 'stdio') {
    for (const [k, v] of Object.entries(spec.env)) if (/token|secret|password|passwd|key|credential|auth/i.test(k)) out.push(v);
    return out;
  }
  if (spec.transport === 'builtin') return out;
  for (const v of Object.values(spec.headers)) {
    const [scheme, token = ''] = v.split(/\s+(.*)/);
    out.push(v, token);
    if (scheme?.toLowerCase() === 'basic') out.push(Buffer.from(token, 'base64').toString().split(':').slice(1).join(':'));
  }
  if (URL.canParse(spec.url)) {
    const u = new URL(spec.url);
    out.push(u.password, decode(u.password));
    for (const v of u.searchParams.values()) out.push(v);
  }
  return out.filter((s) => s.length > 0);
}
