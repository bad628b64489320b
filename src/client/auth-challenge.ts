// What a server asks of a client that sends no credentials: its 401's `WWW-Authenticate` challenge (where its
// protected resource metadata is, RFC 9728; the scope it wants), read before a first authorization so that discovery
// starts where the server says and asks for what it names, as it would from a refused request.
import { extractWWWAuthenticateParams } from '@modelcontextprotocol/client';
import type { AuthChallenge } from './oauth-grants.js';

const PROBE_TIMEOUT_MS = 10_000;

/** The challenge of the server at `url` (Streamable HTTP, or the legacy SSE transport); empty when it asks none. */
export async function authChallengeOf(url: string, transport: 'http' | 'sse', headers: Record<string, string> = {}): Promise<AuthChallenge> {
  const init: RequestInit =
    transport === 'sse'
      ? { headers: { ...headers, accept: 'text/event-stream' } }
      : { method: 'POST', headers: { ...headers, 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'ping' }) };
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) }).catch(() => undefined);
  if (!res) return {};
  await res.body?.cancel().catch(() => undefined);
  if (res.status !== 401) return {};
  const { resourceMetadataUrl, scope } = extractWWWAuthenticateParams(res);
  return { ...(resourceMetadataUrl && { resourceMetadataUrl }), ...(scope && { scope }) };
}
