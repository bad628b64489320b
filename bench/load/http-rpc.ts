// A lean JSON-RPC-over-HTTP transport for the load client: node:http with a keep-alive agent, hand-built
// bodies, and replies read as plain JSON or as an SSE (text/event-stream) body. No SDK, no fetch.
import { Agent, request } from 'node:http';

/**
 * One socket per request in flight, kept alive and reused: no cap on sockets (64 in flight is the most any mode
 * uses; idle sessions are opened 16 at a time and hold no socket once open), up to 256 idle sockets kept.
 */
export const agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY, maxFreeSockets: 256 });

export interface HttpReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export interface RpcMessage {
  jsonrpc?: string;
  id?: number | string | null;
  method?: string;
  result?: Record<string, unknown>;
  error?: { code: number; message: string };
}

/** One HTTP request; rejects on network error or after `timeoutMs`. */
export function send(url: URL, method: 'POST' | 'DELETE', headers: Record<string, string>, body: string | undefined, timeoutMs: number): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = request(
      { agent, host: url.hostname, port: url.port, path: url.pathname, method, headers: body === undefined ? headers : { ...headers, 'content-length': Buffer.byteLength(body) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', (err) => {
          clearTimeout(timer);
          reject(err);
        });
      },
    );
    const timer = setTimeout(() => {
      req.destroy(new Error(`timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end(body);
  });
}

/** Every JSON-RPC message in a reply body, whether it is JSON (object or batch) or an SSE stream. */
export function messagesOf(reply: HttpReply): RpcMessage[] {
  const type = String(reply.headers['content-type'] ?? '');
  if (reply.text.length === 0) return [];
  if (type.includes('text/event-stream')) {
    const out: RpcMessage[] = [];
    for (const event of reply.text.split(/\r?\n\r?\n/)) {
      const data = event
        .split(/\r?\n/)
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(l[5] === ' ' ? 6 : 5))
        .join('\n');
      if (data.length > 0) out.push(JSON.parse(data) as RpcMessage);
    }
    return out;
  }
  const parsed = JSON.parse(reply.text) as RpcMessage | RpcMessage[];
  return Array.isArray(parsed) ? parsed : [parsed];
}

/** The response to request `id` in a reply, or an Error saying what came instead. */
export function responseTo(reply: HttpReply, id: number): RpcMessage {
  if (reply.status !== 200) throw new Error(`HTTP ${reply.status}: ${reply.text.slice(0, 200)}`);
  const msg = messagesOf(reply).find((m) => m.id === id && (m.result !== undefined || m.error !== undefined));
  if (!msg) throw new Error(`no response to id ${id} in: ${reply.text.slice(0, 200)}`);
  if (msg.error) throw new Error(`JSON-RPC error ${msg.error.code}: ${msg.error.message}`);
  return msg;
}
