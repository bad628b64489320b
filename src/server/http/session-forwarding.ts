// 2025-era sessions across gateway replicas: each replica records the sessions it holds in a shared directory
// (SessionOwners, Redis), and a request for a session another replica holds is forwarded to that replica as it
// came (method, path, headers, body; the answer streamed back, SSE included), so a load balancer need not be sticky.
// The owner authenticates it again and checks its principal as for any request. A forwarded request is never
// forwarded again; an owner that cannot be reached is forgotten, and the client is told the session is gone.
import { request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Logger } from '../../core/logger.js';
import type { SessionOwners } from '../../core/session-owners.js';
import { forwardedFor, type ProxyHeaders } from './forwarded.js';

/** Marks a request one replica forwarded to another. */
export const FORWARDED_HEADER = 'x-mcplex-forwarded';

/** Headers of one connection, not of the request (RFC 9110 §7.6.1), and the ones the forwarder sets itself. */
export const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host', 'content-length', FORWARDED_HEADER]);

export interface SessionCluster {
  owners: SessionOwners;
  /** How the other replicas reach this one: its own listener's origin, e.g. http://10.0.0.5:7333 (known once it listens). */
  advertise: () => string;
}

/** What the session table tells the directory, and asks of it. */
export interface SessionDirectory {
  /** A session is being opened here: claimed before its initialize is answered, so no next request races the claim. */
  opened(id: string): Promise<void>;
  /** A request for the session: its claim is renewed when a quarter of its lifetime has passed. */
  touched(id: string): void;
  /** Resolves once the directory has forgotten it (shutdown waits for that). */
  closed(id: string): Promise<void>;
  /** Forwards a request for a session this replica does not hold; false when no other replica holds it either. */
  forward(id: string, req: IncomingMessage, res: ServerResponse, body: unknown): Promise<boolean>;
}

export class SessionForwarder implements SessionDirectory {
  readonly #renewed = new Map<string, number>();

  constructor(
    private readonly cluster: SessionCluster,
    private readonly ttlMs: number,
    private readonly log: Logger,
    /** The headers the owner reads the client from (listen.proxyHeaders): this replica appends to those. */
    private readonly proxyHeaders: ProxyHeaders = 'x-forwarded',
  ) {}

  opened(id: string): Promise<void> {
    return this.#claim(id);
  }

  touched(id: string): void {
    if (Date.now() - (this.#renewed.get(id) ?? 0) > this.ttlMs / 4) void this.#claim(id);
  }

  closed(id: string): Promise<void> {
    this.#renewed.delete(id);
    return this.cluster.owners.release(id, this.cluster.advertise()).catch((err) => this.log.warn({ session: id, problem: String((err as Error).message) }, 'session directory: release failed'));
  }

  #claim(id: string): Promise<void> {
    this.#renewed.set(id, Date.now());
    return this.cluster.owners.claim(id, this.cluster.advertise(), this.ttlMs).catch((err) => {
      this.#renewed.delete(id);
      this.log.warn({ session: id, problem: String((err as Error).message) }, 'session directory: claim failed; other replicas cannot reach this session until it is renewed');
    });
  }

  /**
   * Forwards `req` to the replica holding `id`, if another does. `asProxy`: it carries X-Forwarded-For (or Forwarded) with the peer
   * this replica saw, as a proxy's does (an MCP request); an admin route's goes as it came, so a local administrator's
   * request stays one there (isLocalCaller refuses proxied requests).
   */
  async forward(id: string, req: IncomingMessage, res: ServerResponse, body: unknown, asProxy = true): Promise<boolean> {
    if (req.headers[FORWARDED_HEADER] !== undefined) return false;
    const owner = await this.cluster.owners.ownerOf(id).catch((err) => {
      this.log.warn({ session: id, problem: String((err as Error).message) }, 'session directory: lookup failed');
      return undefined;
    });
    if (!owner || owner === this.cluster.advertise()) return false;
    const target = new URL(req.url ?? '/', owner);
    const headers: OutgoingHttpHeaders = { [FORWARDED_HEADER]: this.cluster.advertise() };
    for (const [name, value] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(name) && value !== undefined) headers[name] = value;
    // The owner, trusting the replicas (listen.trustedProxies), sees the client this one saw.
    const peer = req.socket.remoteAddress;
    if (asProxy && peer !== undefined) {
      const [name, hop] = this.proxyHeaders === 'forwarded' ? ['forwarded', forwardedFor(peer)] : ['x-forwarded-for', peer];
      headers[name] = req.headers[name] ? `${req.headers[name]}, ${hop}` : hop;
    }
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    if (payload) headers['content-length'] = payload.length;
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<boolean>((resolve) => {
      const out = send(target, { method: req.method, headers }, (answer) => {
        const back: OutgoingHttpHeaders = {};
        for (const [name, value] of Object.entries(answer.headers)) if (!HOP_BY_HOP.has(name) && value !== undefined) back[name] = value;
        res.writeHead(answer.statusCode ?? 502, back);
        // Flushed as they come: an SSE stream stays a stream through the forward.
        answer.pipe(res);
        this.log.debug({ session: id, owner, status: answer.statusCode }, 'forwarded to the replica holding the session');
        resolve(true);
      });
      // The client gone: so is the forward (the owner sees its stream close as the client's).
      res.once('close', () => out.destroy());
      out.once('error', (err) => {
        if (res.headersSent) {
          res.destroy(err);
          return;
        }
        // Nobody answers there: forget the claim, and let the client start a new session here.
        this.log.warn({ session: id, owner, problem: err.message }, 'session owner unreachable; forgetting its claim');
        this.cluster.owners.release(id, owner).catch(() => {});
        resolve(false);
      });
      out.end(payload);
    });
  }

}
