// Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document; the MCP authorization spec's way for a
// client to be known to an authorization server it never registered with): a client whose id is an https URL is
// described by the JSON document served there. Fetched at most once per URL at a time and kept as its Cache-Control
// says (within bounds), from public addresses only unless allowed (a URL given by anyone must not reach the
// server's own network), capped in size and time, and held to the draft's rules: the document names itself, and a
// document anyone can read holds no secret.
import type { IncomingMessage } from 'node:http';
import { get, type AgentOptions } from 'node:https';
import { LRUCache } from 'lru-cache';
import { RequestFilteringHttpsAgent } from 'request-filtering-agent';
import { redirectProblem } from './redirect-uris.js';

export interface ClientMetadataDocumentsConfig {
  /** Addresses (IPs or CIDRs) documents may be fetched from besides public ones: apps on the operator's own network. */
  allowAddresses?: string[];
}

/** What a document says that the server uses. */
export interface DescribedClient {
  redirect_uris: string[];
  client_name?: string;
}

export type Described = { client: DescribedClient } | { problem: string };

/** The draft's recommended cap. */
const MAX_BYTES = 5 * 1024;
const TIMEOUT_MS = 5_000;
const MAX_REDIRECT_URIS = 10;
/** How long a document is kept without a Cache-Control max-age, and the bounds on what one says (seconds). */
const DEFAULT_TTL_S = 300;
const MIN_TTL_S = 30;
const MAX_TTL_S = 24 * 3600;
/** A document that could not be had is not asked for again for this long (a flood of sign-ins is not a flood of fetches). */
const FAILED_TTL_S = 10;

/** Whether `clientId` is a URL naming a document (sealed ids of registered clients never start so). */
export const isClientIdUrl = (clientId: string | null | undefined): clientId is string => typeof clientId === 'string' && clientId.startsWith('https://');

/** Why `url` cannot be a client id (the draft: https, a path, no fragment, no credentials, no dot segments). */
export function clientIdUrlProblem(url: string): string | undefined {
  if (!URL.canParse(url)) return 'is not a URL';
  const u = new URL(url);
  if (u.protocol !== 'https:') return 'is not https';
  if (u.pathname === '/') return 'has no path';
  if (u.hash || url.includes('#')) return 'has a fragment';
  if (u.username || u.password) return 'carries credentials';
  if (u.href !== url) return `is not in its normal form (${u.href})`;
  return undefined;
}

export class ClientMetadataDocuments {
  readonly #agent: RequestFilteringHttpsAgent;
  readonly #cache: LRUCache<string, Described>;

  /** `tls`: more options for the https agent (a test's CA; operators use NODE_EXTRA_CA_CERTS). */
  constructor(config: ClientMetadataDocumentsConfig, tls: AgentOptions = {}) {
    this.#agent = new RequestFilteringHttpsAgent({ ...tls, allowIPAddressList: config.allowAddresses ?? [] });
    this.#cache = new LRUCache<string, Described>({
      max: 1000,
      ttl: DEFAULT_TTL_S * 1000,
      fetchMethod: async (url, _stale, { options }) => {
        const { described, ttlSeconds } = await this.#fetch(url);
        options.ttl = ttlSeconds * 1000;
        return described;
      },
    });
  }

  /** The client the document at `url` describes, or why there is none. */
  async describe(url: string): Promise<Described> {
    const problem = clientIdUrlProblem(url);
    if (problem) return { problem: `the client id ${problem}` };
    return (await this.#cache.fetch(url)) ?? { problem: 'the client metadata document could not be fetched' };
  }

  async #fetch(url: string): Promise<{ described: Described; ttlSeconds: number }> {
    const failed = (problem: string) => ({ described: { problem: `the client metadata document at ${url} ${problem}` }, ttlSeconds: FAILED_TTL_S });
    let answer: { status: number; type: string; body: string; maxAge: number | undefined };
    try {
      answer = await this.#get(url);
    } catch (err) {
      return failed(`could not be fetched: ${(err as Error).message}`);
    }
    if (answer.status !== 200) return failed(`answered HTTP ${answer.status}`);
    if (!/^application\/([\w.+-]*\+)?json\b/i.test(answer.type)) return failed(`is not JSON (Content-Type: ${answer.type || 'none'})`);
    let doc: unknown;
    try {
      doc = JSON.parse(answer.body);
    } catch {
      return failed('is not valid JSON');
    }
    const problem = documentProblem(doc, url);
    if (problem) return failed(problem);
    const { redirect_uris, client_name } = doc as { redirect_uris: string[]; client_name?: unknown };
    const ttl = Math.min(MAX_TTL_S, Math.max(MIN_TTL_S, answer.maxAge ?? DEFAULT_TTL_S));
    return { described: { client: { redirect_uris, ...(typeof client_name === 'string' && { client_name: client_name.slice(0, 100) }) } }, ttlSeconds: ttl };
  }

  #get(url: string): Promise<{ status: number; type: string; body: string; maxAge: number | undefined }> {
    return new Promise((resolve, reject) => {
      const req = get(url, { agent: this.#agent, headers: { accept: 'application/json' }, timeout: TIMEOUT_MS }, (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BYTES) {
            reject(new Error(`it is larger than ${MAX_BYTES} bytes`));
            return req.destroy();
          }
          chunks.push(chunk);
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8'), maxAge: maxAgeOf(res.headers['cache-control']) }),
        );
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
      req.on('error', reject);
    });
  }
}

/** What makes `doc` not a document this server takes for the client `url`. */
function documentProblem(doc: unknown, url: string): string | undefined {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return 'is not a JSON object';
  const d = doc as Record<string, unknown>;
  if (d.client_id !== url) return `names another client_id (${String(d.client_id).slice(0, 200)})`;
  if ('client_secret' in d || 'client_secret_expires_at' in d) return 'holds a client secret (a document anyone can read cannot)';
  if (d.token_endpoint_auth_method !== undefined && d.token_endpoint_auth_method !== 'none') {
    return `asks for token_endpoint_auth_method ${String(d.token_endpoint_auth_method)}; this server takes public clients (none)`;
  }
  const uris = d.redirect_uris;
  if (!Array.isArray(uris) || uris.length === 0 || uris.length > MAX_REDIRECT_URIS) return `must list 1 to ${MAX_REDIRECT_URIS} redirect_uris`;
  for (const uri of uris) {
    const problem = redirectProblem(uri);
    if (problem) return `has a redirect URI that ${problem} (${String(uri).slice(0, 200)})`;
  }
  return undefined;
}

/** Cache-Control's max-age in seconds; 0 for no-store/no-cache. */
function maxAgeOf(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header.join(',') : (header ?? '');
  if (/\bno-(store|cache)\b/i.test(value)) return 0;
  const m = /\bmax-age=(\d+)/i.exec(value);
  return m ? Number(m[1]) : undefined;
}
