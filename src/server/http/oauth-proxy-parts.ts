// What the OAuth proxy's pages and its token endpoints share: the client a client id names, a client's authorization
// request as the consent form and the provider's `state` carry it, and the answers and checks both make.
import type { ServerResponse } from 'node:http';
import { sha256 } from '../../core/index.js';
import { isClientIdUrl } from './client-metadata-documents.js';
import { sendJson } from './respond.js';

/** The largest form the proxy reads. */
export const MAX_FORM_BYTES = 16 * 1024;

/** What a client id carries (sealed), or its metadata document says: where its codes may go. */
export interface ProxyClient {
  redirect_uris: string[];
  client_name?: string;
}
/** A client as the pages and the audit name it: a document's client by its URL too (anyone may call theirs anything). */
export const nameOf = (clientId: string, client: ProxyClient) => (isClientIdUrl(clientId) ? `${client.client_name ?? 'An MCP client'} (${clientId})` : client.client_name);
/** A client's authorization request, carried by the consent form and the provider's `state`. */
export interface Asked {
  cid: string;
  ru: string;
  st?: string;
  ch: string;
  name?: string;
  /** The `clientScopes` it asked for (space-separated). */
  sc?: string;
}

/** A client named a resource (RFC 8707) other than this server's. */
export const otherResource = (asked: string | null, s: { resource: string }) => asked !== null && asked.replace(/\/$/, '') !== s.resource.replace(/\/$/, '');
export const s256 = (verifier: string) => sha256(verifier, 'base64url');
export const oauthError = (res: ServerResponse, status: number, error: string, description: string) =>
  sendJson(res, status, { error, error_description: description }, { 'cache-control': 'no-store', pragma: 'no-cache' });

/** The client id of an HTTP Basic `Authorization` header (a public client may send its id so, with no secret). */
export function basicUser(header: string | undefined): string | null {
  const m = /^basic\s+(\S+)$/i.exec(header ?? '');
  if (!m) return null;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const at = decoded.indexOf(':');
  return decodeURIComponent(at < 0 ? decoded : decoded.slice(0, at));
}
