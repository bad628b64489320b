// Raw HTTP for requests an SDK client would refuse to send (forged Host, bad JSON, chunked oversize bodies),
// plus small MCP helpers: open a 2025-era session by hand and read JSON or SSE JSON-RPC replies.
import { request } from 'node:http';
import { createServer as createNetServer } from 'node:net';

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
}

export interface RawOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Send the body with Transfer-Encoding: chunked (no Content-Length), in pieces of this many bytes. */
  chunkBytes?: number;
  timeoutMs?: number;
}

/** One request over node:http; resolves with whatever the server answered, even if it closed early. */
export function rawRequest(url: string, o: RawOptions = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const body = o.body === undefined ? undefined : Buffer.from(o.body);
    const headers: Record<string, string> = { ...o.headers };
    if (body && !o.chunkBytes && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-length')) {
      headers['content-length'] = String(body.length);
    }
    let answered = false;
    const req = request(url, { method: o.method ?? 'POST', headers, timeout: o.timeoutMs ?? 10_000 }, (res) => {
      answered = true;
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        text += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} within ${o.timeoutMs ?? 10_000} ms`)));
    // The server may answer (413) and close while we are still writing: that write error is expected.
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    if (body && o.chunkBytes) {
      for (let i = 0; i < body.length; i += o.chunkBytes) req.write(body.subarray(i, i + o.chunkBytes));
      req.end();
    } else req.end(body);
  });
}

/** The JSON-RPC messages in a reply: a JSON body, or every `data:` line of an SSE body. */
export function rpcMessages(res: RawResponse): Array<Record<string, unknown>> {
  const type = String(res.headers['content-type'] ?? '');
  if (type.includes('text/event-stream')) {
    return res.text
      .split('\n')
      .filter((l) => l.startsWith('data:'))
      .map((l) => l.slice(5).trim())
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }
  if (res.text === '') return [];
  const parsed = JSON.parse(res.text) as unknown;
  return (Array.isArray(parsed) ? parsed : [parsed]) as Array<Record<string, unknown>>;
}

/** The single JSON-RPC message of a reply (fails loudly when there is not exactly one). */
export function rpcMessage(res: RawResponse): { id?: unknown; result?: Record<string, unknown>; error?: { code: number; message: string } } {
  const all = rpcMessages(res);
  if (all.length !== 1) throw new Error(`expected one JSON-RPC message, got ${all.length}: HTTP ${res.status} ${res.text.slice(0, 300)}`);
  return all[0] as never;
}

export const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

/** POSTs a JSON-RPC value (or raw text) to an MCP endpoint with the usual headers plus `extra`. */
export function post(url: string, body: unknown, extra: Record<string, string> = {}): Promise<RawResponse> {
  return rawRequest(url, { headers: { ...JSON_HEADERS, ...extra }, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

/** Opens a 2025-era session with `initialize` + `notifications/initialized`; returns the session headers. */
export async function openSession(url: string, protocolVersion = '2025-11-25'): Promise<Record<string, string>> {
  const init = await post(url, {
    jsonrpc: '2.0',
    id: 0,
    method: 'initialize',
    params: { protocolVersion, capabilities: {}, clientInfo: { name: 'raw-test', version: '1.0.0' } },
  });
  const sid = init.headers['mcp-session-id'];
  if (init.status !== 200 || typeof sid !== 'string') throw new Error(`initialize failed: HTTP ${init.status} ${init.text}`);
  const headers = { 'mcp-session-id': sid, 'mcp-protocol-version': protocolVersion };
  const ack = await post(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, headers);
  if (ack.status !== 202) throw new Error(`notifications/initialized: HTTP ${ack.status} ${ack.text}`);
  return headers;
}

/** The per-request `_meta` envelope a 2026-07-28 request carries. */
export function modernMeta(): Record<string, unknown> {
  return {
    'io.modelcontextprotocol/protocolVersion': '2026-07-28',
    'io.modelcontextprotocol/clientInfo': { name: 'raw-test', version: '1.0.0' },
    'io.modelcontextprotocol/clientCapabilities': {},
  };
}

/** A port free now on 127.0.0.1, so a server's URL (a token's audience) is known before it starts. */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createNetServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
