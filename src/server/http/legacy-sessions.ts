// 2025-era sessionful Streamable HTTP: one transport + SDK server per Mcp-Session-Id, an idle TTL, caps on
// sessions in total and per client with LRU eviction of idle ones, and proper close on DELETE and shutdown. Checks and error codes follow the SDK's own session transport.
// The legacy HTTP+SSE transport's sessions (`openSse`, `postSse`) live in the same table, under the same caps.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type AuthInfo, isInitializeRequest, type JSONRPCMessage, type RequestId, type Server, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/server';
import { ErrorCode, type Logger } from '../../core/index.js';
import { isObject, isRequestShape, jsonRpcProblem, refusalId } from '../../wire/json-rpc-shape.js';
import { type EdgeIdentity, identityOf } from '../identity.js';
import type { AnswerStatusOf } from './exchange.js';
import { rpcError } from './posted-messages.js';
import { sendRpcError } from './respond.js';
import type { SessionDirectory } from './session-forwarding.js';
import { NodeSessionTransport } from './session-transport.js';
import { SseSessionTransport } from './sse-session-transport.js';

interface Session {
  readonly id: string;
  /** Who opened it (`sessionOwner`), for the per-client cap. */
  readonly owner: string;
  /** The principal that opened it: only it may use or close the session. */
  readonly principal: string;
  /** Who opened it, as the edge saw them (for the admin's list). */
  readonly identity: EdgeIdentity | undefined;
  /** Streamable HTTP, or the legacy HTTP+SSE transport (one stream the client holds; POSTs to its messages path). */
  readonly transport: NodeSessionTransport | SseSessionTransport;
  readonly server: Server;
  /** Protocol versions before 2025-06-18 allowed JSON-RPC batches. */
  batching: boolean;
  lastSeen: number;
  /** When its initialize was answered, and the protocol version it agreed. */
  openedAt: number;
  version?: string;
  /** Told as ended (once, whichever way it ends). */
  ended?: boolean;
}

/** A session as an administrator sees it (`GET /admin/sessions`): who holds it, from where, since when. */
export interface SessionReport {
  id: string;
  principal: string;
  tenant?: string;
  /** The client's address (behind trusted proxies, the one they name). */
  client?: string;
  /** The named endpoint it was opened at; absent on the main path. */
  endpoint?: string;
  protocolVersion?: string;
  /** The client as its initialize named itself. */
  clientInfo?: { name: string; version: string };
  openedAt: string;
  /** When its client last sent a request. */
  lastRequestAt: string;
  /** Its requests being answered now. */
  inFlight: number;
  /** Its client holds the stream for what the server sends on its own (GET). */
  listening: boolean;
  /** Present for a session of the legacy HTTP+SSE transport (2024-11-05): `sse`. */
  transport?: 'sse';
}

/** A session that ended: how long it was open (ms), and the protocol version it spoke. */
export interface SessionEnded {
  ms: number;
  version?: string;
}

export interface LegacySessionOptions {
  idleTtlMs: number;
  maxSessions: number;
  log: Logger;
  /** Default 1 000. */
  maxSessionsPerClient?: number;
  /** Default: the peer's address. */
  owner?: (req: IncomingMessage) => string;
  /** The authenticated principal of a request (kind and id); a session answers only its creator. Default: one for all. */
  principalOf?: (req: IncomingMessage) => string;
  /** Default 128. */
  maxInflightPerSession?: number;
  /** Default 100. */
  maxBatchSize?: number;
  /** Default 8 MiB. */
  maxBufferedBytes?: number;
  /** Default 15 s. */
  streamKeepAliveMs?: number;
  /** An error answer's own HTTP status (see AnswerStatusOf). */
  answerStatus?: AnswerStatusOf;
  /** Replicas sharing sessions: where this one records its sessions, and forwards requests for others'. */
  directory?: SessionDirectory;
  /** Told of each session that ends (closed, idle, evicted, or the listener closing). */
  onEnded?: (ended: SessionEnded) => void;
  /** Legacy HTTP+SSE sessions: told when one of their requests starts (+1) and ends (-1), as their POSTs end at once. */
  onSseBusy?: (delta: number) => void;
}

const BATCHING_VERSIONS = new Set(['2024-11-05', '2025-03-26']);

/** A session is idle from its last request or, if later, the end of its last open call or stream; never while one is open. */
const idleFor = (s: Session) => Date.now() - Math.max(s.lastSeen, s.transport.lastActive);

/** The spec requires clients to list these media types explicitly (as the SDK's transport checks). */
function accepts(req: IncomingMessage, ...types: string[]): boolean {
  const accept = req.headers.accept ?? '';
  return types.every((t) => accept.includes(t));
}

/** The SDK's initialize check (a schema parse), only for messages that name the method. */
const isInitialize = (m: JSONRPCMessage) => 'method' in m && m.method === 'initialize' && isInitializeRequest(m);

/** The body as JSON-RPC messages, or why not (and the id to answer with: a lone request's, as far as it can be read). */
function messagesOf(body: unknown, maxBatch: number): JSONRPCMessage[] | { refusal: string; id: RequestId | null } {
  const list = Array.isArray(body) ? body : [body];
  if (list.length === 0 || list.length > maxBatch) return { refusal: `Invalid Request: a batch must hold 1 to ${maxBatch} messages`, id: null };
  for (const [i, m] of list.entries()) {
    const problem = jsonRpcProblem(m);
    if (problem === undefined) continue;
    if (list.length > 1) return { refusal: `Invalid Request: message ${i + 1} of the batch: ${problem}`, id: null };
    return { refusal: `Invalid Request: ${problem}`, id: refusalId(m) };
  }
  return list as JSONRPCMessage[];
}

/** Why an initialize the SDK refuses is not one (it would otherwise be told to send initialize first). */
function initializeProblem(m: JSONRPCMessage): string {
  if (!('id' in m)) return 'initialize is a request: it needs an id';
  const p = (m as { params?: unknown }).params;
  if (!isObject(p)) return 'params must be an object with protocolVersion, capabilities and clientInfo';
  if (typeof p.protocolVersion !== 'string') return 'params.protocolVersion must be a string such as "2025-11-25"';
  if (!isObject(p.capabilities)) return 'params.capabilities must be an object ({} for none)';
  const info = p.clientInfo;
  if (!isObject(info) || typeof info.name !== 'string' || typeof info.version !== 'string') return 'params.clientInfo must be an object with a string name and version';
  return 'its params are not those the protocol defines for initialize';
}

/**
 * The 2025-era sessions. A session is stored only once its initialize has been answered; when the table or a
 * client's share of it is full, the least recently used idle session (no call or stream open) makes room, and
 * only when none is idle is a new session refused.
 */
export class LegacySessions {
  readonly #sessions = new Map<string, Session>();
  readonly #byOwner = new Map<string, Map<string, Session>>();
  readonly #sweeper: NodeJS.Timeout;
  readonly #maxBatch: number;
  readonly #perClient: number;
  readonly #owner: (req: IncomingMessage) => string;
  readonly #principalOf: (req: IncomingMessage) => string;

  constructor(
    private readonly makeServer: () => Server,
    private readonly opts: LegacySessionOptions,
  ) {
    this.#maxBatch = opts.maxBatchSize ?? 100;
    this.#perClient = opts.maxSessionsPerClient ?? 1_000;
    this.#owner = opts.owner ?? ((req) => req.socket.remoteAddress ?? 'unknown');
    this.#principalOf = opts.principalOf ?? (() => '');
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
    const messages = messagesOf(body, this.#maxBatch);
    if (!Array.isArray(messages)) return sendRpcError(res, 400, ErrorCode.InvalidRequest, messages.refusal, undefined, messages.id);
    const first = messages[0]!;
    if (!Array.isArray(body) && 'method' in first && first.method === 'initialize') {
      if (isInitializeRequest(first)) return this.#open(req, res, messages);
      return sendRpcError(res, 400, ErrorCode.InvalidParams, `Invalid params for initialize: ${initializeProblem(first)}`, undefined, refusalId(first));
    }
    if (Array.isArray(body)) {
      return sendRpcError(res, 400, ErrorCode.InvalidRequest, 'JSON-RPC batches are not accepted outside a 2025-03-26 session; initialize must be sent alone');
    }
    return sendRpcError(res, 400, ErrorCode.InvalidRequest, 'Bad Request: Mcp-Session-Id header is required (send initialize first)');
  }

  async #inSession(id: string, req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
    const session = this.#sessions.get(id);
    // Another replica's session: the request goes there as it came.
    if (!session && this.opts.directory && (await this.opts.directory.forward(id, req, res, body))) return;
    // The sweeper runs at most every few seconds; a session past its idle TTL is gone even before it runs.
    if (session && idleFor(session) > this.opts.idleTtlMs) this.#drop(id);
    // Another principal holding the id learns nothing: the same 404 as for a session that does not exist.
    if (!session || !this.#sessions.has(id) || session.principal !== this.#principalOf(req) || !(session.transport instanceof NodeSessionTransport)) {
      return sendRpcError(res, 404, ErrorCode.SessionNotFound, 'Session not found: it expired or was closed; send initialize to start a new one');
    }
    const { transport } = session;
    session.lastSeen = Date.now();
    this.opts.directory?.touched(id);
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
      // A client back for an answer's stream it was cut off from; any other Last-Event-ID opens the notification stream.
      const last = req.headers['last-event-id'];
      if (typeof last === 'string' && transport.resume(res, last)) return;
      if (!transport.listen(res)) return sendRpcError(res, 409, ErrorCode.ServerError, 'Conflict: Only one SSE stream is allowed per session');
      return;
    }
    if (!accepts(req, 'application/json', 'text/event-stream')) {
      return sendRpcError(res, 406, ErrorCode.ServerError, 'Not Acceptable: Client must accept both application/json and text/event-stream');
    }
    if (Array.isArray(body) && !session.batching) {
      return sendRpcError(res, 400, ErrorCode.InvalidRequest, 'JSON-RPC batches are not supported on protocol 2025-06-18 and later');
    }
    const messages = messagesOf(body, this.#maxBatch);
    if (!Array.isArray(messages)) return sendRpcError(res, 400, ErrorCode.InvalidRequest, messages.refusal, undefined, messages.id);
    if (messages.some(isInitialize)) return sendRpcError(res, 400, ErrorCode.InvalidRequest, 'Invalid Request: Server already initialized');
    transport.post(req, res, messages, Array.isArray(body));
  }

  async #open(req: IncomingMessage, res: ServerResponse, messages: JSONRPCMessage[]): Promise<void> {
    if (!accepts(req, 'application/json', 'text/event-stream')) {
      return sendRpcError(res, 406, ErrorCode.ServerError, 'Not Acceptable: Client must accept both application/json and text/event-stream');
    }
    const owner = this.#owner(req);
    // Checked (without evicting) before any server is built; room is made only for an initialize that succeeds.
    const full = this.#full(owner, false);
    if (full) return sendRpcError(res, 503, ErrorCode.InternalError, full);
    const init = messages[0] as { id: RequestId; params?: { protocolVersion?: string } };
    const server = this.makeServer();
    const transport = new NodeSessionTransport({
      ...(this.opts.maxInflightPerSession !== undefined && { maxInflight: this.opts.maxInflightPerSession }),
      ...(this.opts.maxBufferedBytes !== undefined && { maxBufferedBytes: this.opts.maxBufferedBytes }),
      ...(this.opts.streamKeepAliveMs !== undefined && { keepAliveMs: this.opts.streamKeepAliveMs }),
      ...(this.opts.answerStatus && { answerStatus: this.opts.answerStatus }),
      log: this.opts.log,
    });
    const session: Session = {
      id: transport.sessionId,
      owner,
      principal: this.#principalOf(req),
      identity: identityOf((req as { auth?: AuthInfo }).auth),
      transport,
      server,
      batching: BATCHING_VERSIONS.has(init.params?.protocolVersion ?? ''),
      lastSeen: Date.now(),
      openedAt: Date.now(),
    };
    let stored = false;
    // Stored just before the successful answer is written, so the client's next request finds it.
    transport.onanswer = (answer) => {
      if (answer.id !== init.id) return undefined;
      transport.onanswer = undefined;
      if (!('result' in answer) || !server.getClientVersion()) return undefined;
      const stillFull = this.#full(owner, true);
      if (stillFull) return { status: 503, message: { jsonrpc: '2.0', id: init.id, error: { code: ErrorCode.InternalError, message: stillFull } } as never };
      session.openedAt = Date.now();
      const agreed = (answer.result as { protocolVersion?: unknown }).protocolVersion;
      if (typeof agreed === 'string') session.version = agreed;
      this.#store(session);
      stored = true;
      return undefined;
    };
    transport.onclose = () => this.#drop(transport.sessionId);
    await server.connect(transport);
    // A refused initialize (or a client gone before its answer) leaves nothing behind.
    res.once('close', () => {
      if (stored) return;
      server.close().catch((err) => this.opts.log.warn({ err }, 'closing a session that never opened failed'));
      void this.opts.directory?.closed(session.id);
    });
    // Other replicas learn where it lives before the client can send it anything else.
    await this.opts.directory?.opened(session.id);
    transport.post(req, res, messages, false);
  }

  /**
   * A session of the legacy HTTP+SSE transport (2024-11-05), opened by the client's GET and stored at once (its
   * POSTs name it before its initialize is answered; the caps apply as to any session); it ends with that stream.
   */
  async openSse(req: IncomingMessage, res: ServerResponse, messagesPath: string): Promise<void> {
    // An EventSource reconnecting by itself (its endpoint event's id is the session's): that session ended with its
    // stream. Refused, so the client learns it rather than finding itself on a new session it never initialized.
    if (req.headers['last-event-id']) {
      return sendRpcError(res, 404, ErrorCode.SessionNotFound, 'Session not found: a legacy SSE session ends with its stream and cannot be resumed; open a new stream and initialize');
    }
    const owner = this.#owner(req);
    const full = this.#full(owner, true);
    if (full) return sendRpcError(res, 503, ErrorCode.InternalError, full);
    const server = this.makeServer();
    const transport = new SseSessionTransport(res, {
      messagesPath,
      keepAliveMs: this.opts.streamKeepAliveMs ?? 15_000,
      maxInflight: this.opts.maxInflightPerSession ?? 128,
      maxBufferedBytes: this.opts.maxBufferedBytes ?? 8 * 1024 * 1024,
      log: this.opts.log,
      ...(this.opts.onSseBusy && { onBusy: this.opts.onSseBusy }),
    });
    this.#store({ id: transport.sessionId, owner, principal: this.#principalOf(req), identity: identityOf((req as { auth?: AuthInfo }).auth), transport, server, batching: false, lastSeen: Date.now(), openedAt: Date.now() });
    transport.onclose = () => this.#drop(transport.sessionId);
    await server.connect(transport);
    // Other replicas learn where it lives before the client is told where to POST.
    await this.opts.directory?.opened(transport.sessionId);
    transport.announce();
  }

  /** A POST to a legacy HTTP+SSE session's messages path (`?sessionId=`): answered 202, its answers on the session's stream. */
  async postSse(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
    const id = new URL(req.url ?? '/', 'http://localhost').searchParams.get('sessionId');
    if (!id) return sendRpcError(res, 400, ErrorCode.InvalidRequest, 'Bad Request: sessionId is required: POST to the URL of the endpoint event of your SSE stream');
    const session = this.#sessions.get(id);
    if (!session && this.opts.directory && (await this.opts.directory.forward(id, req, res, body))) return;
    if (!session || session.principal !== this.#principalOf(req) || !(session.transport instanceof SseSessionTransport)) {
      return sendRpcError(res, 404, ErrorCode.SessionNotFound, 'Session not found: its SSE stream was closed; open a new one');
    }
    const { transport } = session;
    session.lastSeen = Date.now();
    this.opts.directory?.touched(id);
    if (Array.isArray(body) && !session.batching) {
      return sendRpcError(res, 400, ErrorCode.InvalidRequest, 'JSON-RPC batches are accepted only once a 2024-11-05 or 2025-03-26 session is initialized');
    }
    const messages = messagesOf(body, this.#maxBatch);
    if (!Array.isArray(messages)) return sendRpcError(res, 400, ErrorCode.InvalidRequest, messages.refusal, undefined, messages.id);
    const init = messages.find(isInitialize) as { id: RequestId; params?: { protocolVersion?: string } } | undefined;
    if (init && (session.version !== undefined || messages.length > 1)) return sendRpcError(res, 400, ErrorCode.InvalidRequest, 'Invalid Request: Server already initialized');
    // Before its initialize is answered a session takes nothing but initialize and ping: an EventSource that
    // reconnected by itself after its session was closed is on a new, uninitialized one, and its client is told so.
    if (session.version === undefined && !init) {
      const early = (m: JSONRPCMessage): m is JSONRPCMessage & { id: RequestId } => isRequestShape(m) && m.method !== 'ping';
      const refused = messages.filter(early).map((m) => rpcError(m.id, ErrorCode.InvalidRequest, 'Invalid Request: this session is not initialized (a stream reopened after its session ended starts a new one): reconnect and initialize'));
      return transport.post(req, res, messages.filter((m) => !early(m)), refused);
    }
    // Its version once its initialize is answered.
    if (init) {
      transport.onanswer = (answer) => {
        if (answer.id !== init.id) return undefined;
        transport.onanswer = undefined;
        const agreed = 'result' in answer ? (answer.result as { protocolVersion?: unknown }).protocolVersion : undefined;
        if (typeof agreed !== 'string') return undefined;
        session.version = agreed;
        session.openedAt = Date.now();
        session.batching = BATCHING_VERSIONS.has(agreed);
        return undefined;
      };
    }
    transport.post(req, res, messages);
  }

  /** The sessions open now, the one that last sent a request first. */
  report(): SessionReport[] {
    return [...this.#sessions.values()]
      .sort((a, b) => b.lastSeen - a.lastSeen || b.openedAt - a.openedAt)
      .map((s) => {
        const { principal, remoteAddress, endpoint } = s.identity ?? {};
        const info = s.server.getClientVersion();
        return {
          id: s.id,
          principal: principal?.id ?? 'anonymous',
          ...(principal?.tenant !== undefined && { tenant: principal.tenant }),
          ...(remoteAddress !== undefined && { client: remoteAddress }),
          ...(endpoint !== undefined && { endpoint }),
          ...(s.version !== undefined && { protocolVersion: s.version }),
          ...(info && { clientInfo: { name: info.name, version: info.version } }),
          openedAt: new Date(s.openedAt).toISOString(),
          lastRequestAt: new Date(s.lastSeen).toISOString(),
          inFlight: s.transport.inFlight,
          listening: s.transport.listening,
          ...(s.transport instanceof SseSessionTransport && { transport: 'sse' as const }),
        };
      });
  }

  /** Closes a session as if its client had sent DELETE (its calls in flight end); false if there is none by that id here. */
  close(id: string): boolean {
    if (!this.#sessions.has(id)) return false;
    this.opts.log.info({ session: id }, 'session closed by an administrator');
    this.#drop(id);
    return true;
  }

  /** Why a session for `owner` cannot be added, or undefined; with `evict`, first closes idle sessions to make room. */
  #full(owner: string, evict: boolean): string | undefined {
    const mine = this.#byOwner.get(owner);
    if (mine && mine.size >= this.#perClient) {
      const victim = this.#idlest(mine.values());
      if (!victim) return `Too many sessions for this client (the limit is ${this.#perClient}) and none is idle; close one or try again later`;
      if (evict) this.#evict(victim, 'per-client');
    }
    if (this.#sessions.size >= this.opts.maxSessions) {
      const victim = this.#idlest(this.#sessions.values());
      if (!victim) return 'Too many sessions and none is idle; try again later';
      if (evict) this.#evict(victim, 'total');
    }
    return undefined;
  }

  /**
   * The least recently used session with no call or stream open. A scan, but only when the table is full: keeping
   * the tables in use order instead would cost every request two map updates.
   */
  #idlest(sessions: Iterable<Session>): Session | undefined {
    let idlest: Session | undefined;
    for (const s of sessions) if (!s.transport.busy && (!idlest || idleFor(s) > idleFor(idlest))) idlest = s;
    return idlest;
  }

  #evict(s: Session, cap: 'per-client' | 'total'): void {
    this.opts.log.info({ session: s.id, owner: s.owner, cap, idleMs: idleFor(s) }, 'session table full; closing the least recently used idle session');
    this.#drop(s.id);
  }

  #store(s: Session): void {
    this.#sessions.set(s.id, s);
    const mine = this.#byOwner.get(s.owner) ?? new Map<string, Session>();
    if (mine.size === 0) this.#byOwner.set(s.owner, mine);
    mine.set(s.id, s);
  }

  #drop(id: string): void {
    const session = this.#sessions.get(id);
    if (!session) return;
    this.#sessions.delete(id);
    const mine = this.#byOwner.get(session.owner);
    mine?.delete(id);
    if (mine?.size === 0) this.#byOwner.delete(session.owner);
    void this.opts.directory?.closed(id);
    this.#ended(session);
    session.server.close().catch((err) => this.opts.log.warn({ err, session: id }, 'closing session failed'));
  }

  #ended(s: Session): void {
    if (s.ended) return;
    s.ended = true;
    this.opts.onEnded?.({ ms: Date.now() - s.openedAt, ...(s.version !== undefined && { version: s.version }) });
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
    // Out of the tables first: a transport that closes tells the table (`#drop`), which then has nothing to do.
    const all = [...this.#sessions.values()];
    this.#sessions.clear();
    this.#byOwner.clear();
    for (const s of all) this.#ended(s);
    await Promise.allSettled([...all.map((s) => s.server.close()), ...all.map((s) => this.opts.directory?.closed(s.id))]);
  }
}
