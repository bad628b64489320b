// 2025-era sessionful Streamable HTTP: one transport + SDK server per Mcp-Session-Id, an idle TTL, a session cap,
// and proper close on DELETE and shutdown. Checks and error codes follow the SDK's own session transport.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isInitializeRequest, type JSONRPCMessage, type Server, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/server';
import { ErrorCode, type Logger } from '../../core/index.js';
import { asJsonRpcMessage } from '../../wire/json-rpc-shape.js';
import { sendRpcError } from './respond.js';
import { NodeSessionTransport } from './session-transport.js';

interface Session {
  readonly transport: NodeSessionTransport;
  readonly server: Server;
  /** Protocol versions before 2025-06-18 allowed JSON-RPC batches. */
  readonly batching: boolean;
  lastSeen: number;
}

const BATCHING_VERSIONS = new Set(['2024-11-05', '2025-03-26']);
const MAX_BATCH = 100;

/** A session is idle from its last request or, if later, the end of its last open call or stream; never while one is open. */
const idleFor = (s: Session) => Date.now() - Math.max(s.lastSeen, s.transport.lastActive);

/** The spec requires clients to list these media types explicitly (as the SDK's transport checks). */
function accepts(req: IncomingMessage, ...types: string[]): boolean {
  const accept = req.headers.accept ?? '';
  return types.every((t) => accept.includes(t));
}

/** The SDK's initialize check (a schema parse), only for messages that name the method. */
const isInitialize = (m: JSONRPCMessage) => 'method' in m && m.method === 'initialize' && isInitializeRequest(m);

/** The body as JSON-RPC messages, or why not. */
function messagesOf(body: unknown): JSONRPCMessage[] | string {
  const list = Array.isArray(body) ? body : [body];
  if (list.length === 0 || list.length > MAX_BATCH) return `Invalid Request: a batch must hold 1 to ${MAX_BATCH} messages`;
  const messages = list.map(asJsonRpcMessage);
  return messages.every((m) => m !== undefined) ? (messages as JSONRPCMessage[]) : 'Invalid Request: not a JSON-RPC 2.0 message';
}

export class LegacySessions {
  readonly #sessions = new Map<string, Session>();
  readonly #sweeper: NodeJS.Timeout;

  constructor(
    private readonly makeServer: () => Server,
    private readonly opts: { idleTtlMs: number; maxSessions: number; log: Logger },
  ) {
    this.#sweeper = setInterval(() => this.#sweep(), Math.max(1000, Math.min(opts.idleTtlMs / 2, 60_000)));
    this.#sweeper.unref();
  }

  get size(): number {
    return this.#sessions.size;
  }

  /** Serves one 2025-era request: POST (with its parsed body), GET (notification stream) or DELETE. */
  async handle(req: IncomingMessage, res: ServerResponse, body?: unknown): Promise<void> {
    const id = req.headers['mcp-session-id'];
    if (typeof id === 'string' && id) return this.#inSession(id, req, res, body);
    if (req.method !== 'POST') return sendRpcError(res, 400, ErrorCode.InvalidRequest, 'Bad Request: Mcp-Session-Id header is required');
    const messages = messagesOf(body);
    if (typeof messages === 'string') return sendRpcError(res, 400, ErrorCode.InvalidRequest, messages);
    if (!Array.isArray(body) && isInitialize(messages[0]!)) return this.#open(req, res, messages);
    if (Array.isArray(body)) {
      return sendRpcError(res, 400, ErrorCode.InvalidRequest, 'JSON-RPC batches are not accepted outside a 2025-03-26 session; initialize must be sent alone');
    }
    return sendRpcError(res, 400, ErrorCode.InvalidRequest, 'Bad Request: Mcp-Session-Id header is required (send initialize first)');
  }

  async #inSession(id: string, req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
    const session = this.#sessions.get(id);
    // The sweeper runs at most every few seconds; a session past its idle TTL is gone even before it runs.
    if (session && idleFor(session) > this.opts.idleTtlMs) this.#drop(id);
    if (!session || !this.#sessions.has(id)) {
      return sendRpcError(res, 404, ErrorCode.SessionNotFound, 'Session not found: it expired or was closed; send initialize to start a new one');
    }
    session.lastSeen = Date.now();
    const version = req.headers['mcp-protocol-version'];
    if (typeof version === 'string' && !SUPPORTED_PROTOCOL_VERSIONS.includes(version)) {
      return sendRpcError(res, 400, ErrorCode.ServerError, `Bad Request: Unsupported protocol version: ${version} (supported versions: ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')})`);
    }
    if (req.method === 'DELETE') {
      this.#drop(id);
      res.writeHead(200).end();
      return;
    }
    if (req.method === 'GET') {
      if (!accepts(req, 'text/event-stream')) return sendRpcError(res, 406, ErrorCode.ServerError, 'Not Acceptable: Client must accept text/event-stream');
      if (!session.transport.listen(res)) return sendRpcError(res, 409, ErrorCode.ServerError, 'Conflict: Only one SSE stream is allowed per session');
      return;
    }
    if (!accepts(req, 'application/json', 'text/event-stream')) {
      return sendRpcError(res, 406, ErrorCode.ServerError, 'Not Acceptable: Client must accept both application/json and text/event-stream');
    }
    if (Array.isArray(body) && !session.batching) {
      return sendRpcError(res, 400, ErrorCode.InvalidRequest, 'JSON-RPC batches are not supported on protocol 2025-06-18 and later');
    }
    const messages = messagesOf(body);
    if (typeof messages === 'string') return sendRpcError(res, 400, ErrorCode.InvalidRequest, messages);
    if (messages.some(isInitialize)) return sendRpcError(res, 400, ErrorCode.InvalidRequest, 'Invalid Request: Server already initialized');
    session.transport.post(req, res, messages, Array.isArray(body));
  }

  async #open(req: IncomingMessage, res: ServerResponse, messages: JSONRPCMessage[]): Promise<void> {
    if (!accepts(req, 'application/json', 'text/event-stream')) {
      return sendRpcError(res, 406, ErrorCode.ServerError, 'Not Acceptable: Client must accept both application/json and text/event-stream');
    }
    if (this.#sessions.size >= this.opts.maxSessions) return sendRpcError(res, 503, ErrorCode.InternalError, 'Too many sessions; try again later');
    const init = messages[0] as { params?: { protocolVersion?: string } };
    const server = this.makeServer();
    const transport = new NodeSessionTransport();
    const session: Session = { transport, server, batching: BATCHING_VERSIONS.has(init.params?.protocolVersion ?? ''), lastSeen: Date.now() };
    this.#sessions.set(transport.sessionId, session);
    transport.onclose = () => this.#drop(transport.sessionId);
    await server.connect(transport);
    // A refused initialize (bad params) leaves no session behind: nothing could reach this instance again.
    res.once('finish', () => {
      if (res.statusCode !== 200 || !server.getClientVersion()) this.#drop(transport.sessionId);
    });
    transport.post(req, res, messages, false);
  }

  #drop(id: string): void {
    const session = this.#sessions.get(id);
    if (!session) return;
    this.#sessions.delete(id);
    session.server.close().catch((err) => this.opts.log.warn({ err, session: id }, 'closing session failed'));
  }

  #sweep(): void {
    for (const [id, s] of this.#sessions) {
      if (idleFor(s) > this.opts.idleTtlMs) {
        this.opts.log.info({ session: id }, 'closing idle session');
        this.#drop(id);
      }
    }
  }

  async closeAll(): Promise<void> {
    clearInterval(this.#sweeper);
    const ids = [...this.#sessions.keys()];
    await Promise.allSettled(ids.map((id) => this.#sessions.get(id)?.server.close()));
    this.#sessions.clear();
  }
}
