// 2025-era sessionful Streamable HTTP: one SDK transport + server per Mcp-Session-Id, an idle TTL,
// a session cap, and proper close on DELETE and shutdown (the SDK transport has no TTL of its own).
import { randomUUID } from 'node:crypto';
import { type Server, WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/server';
import { ErrorCode, type Logger } from '../../core/index.js';
import { rpcErrorResponse } from './respond.js';

interface Session {
  readonly transport: WebStandardStreamableHTTPServerTransport;
  readonly server: Server;
  /** Protocol versions before 2025-06-18 allowed JSON-RPC batches. */
  readonly batching: boolean;
  lastSeen: number;
}

const BATCHING_VERSIONS = new Set(['2024-11-05', '2025-03-26']);

function isInitialize(body: unknown): body is { method: 'initialize'; params?: { protocolVersion?: string } } {
  return typeof body === 'object' && body !== null && !Array.isArray(body) && (body as { method?: unknown }).method === 'initialize';
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

  async handle(request: Request, body: unknown): Promise<Response> {
    const id = request.headers.get('mcp-session-id');
    if (id) {
      const session = this.#sessions.get(id);
      // The sweeper runs at most every few seconds; a session past its idle TTL is gone even before it runs.
      if (session && Date.now() - session.lastSeen > this.opts.idleTtlMs) this.#drop(id);
      if (!session || !this.#sessions.has(id)) {
        return rpcErrorResponse(404, ErrorCode.SessionNotFound, 'Session not found: it expired or was closed; send initialize to start a new one');
      }
      if (Array.isArray(body) && !session.batching) {
        return rpcErrorResponse(400, ErrorCode.InvalidRequest, 'JSON-RPC batches are not supported on protocol 2025-06-18 and later');
      }
      session.lastSeen = Date.now();
      return session.transport.handleRequest(request, { parsedBody: body });
    }
    if (request.method === 'POST' && isInitialize(body)) return this.#open(request, body);
    if (Array.isArray(body)) {
      return rpcErrorResponse(400, ErrorCode.InvalidRequest, 'JSON-RPC batches are not accepted outside a 2025-03-26 session; initialize must be sent alone');
    }
    return rpcErrorResponse(400, ErrorCode.InvalidRequest, 'Bad Request: Mcp-Session-Id header is required (send initialize first)');
  }

  async #open(request: Request, body: { params?: { protocolVersion?: string } }): Promise<Response> {
    if (this.#sessions.size >= this.opts.maxSessions) {
      return rpcErrorResponse(503, ErrorCode.InternalError, 'Too many sessions; try again later');
    }
    const server = this.makeServer();
    const batching = BATCHING_VERSIONS.has(body.params?.protocolVersion ?? '');
    const transport: WebStandardStreamableHTTPServerTransport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (sid) => {
        this.#sessions.set(sid, { transport, server, batching, lastSeen: Date.now() });
      },
      onsessionclosed: (sid) => {
        this.#drop(sid);
      },
    });
    await server.connect(transport);
    const response = await transport.handleRequest(request, { parsedBody: body });
    // The transport refused the initialize (406 Accept, malformed params, …) so no session was registered:
    // nothing can reach this instance again, and unclosed it would stay tracked by the app forever.
    if (transport.sessionId === undefined || !this.#sessions.has(transport.sessionId)) {
      server.close().catch((err) => this.opts.log.warn({ err }, 'closing a refused initialize failed'));
    }
    return response;
  }

  #drop(id: string): void {
    const session = this.#sessions.get(id);
    if (!session) return;
    this.#sessions.delete(id);
    session.server.close().catch((err) => this.opts.log.warn({ err, session: id }, 'closing session failed'));
  }

  #sweep(): void {
    const cutoff = Date.now() - this.opts.idleTtlMs;
    for (const [id, s] of this.#sessions) {
      if (s.lastSeen < cutoff) {
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
