// One upstream MCP server as the gateway sees it: a supervised SDK Client (stdio, Streamable HTTP or SSE),
// era negotiated per server, requests forwarded on the loose passthrough path so nothing is stripped.
import { Client, SSEClientTransport, StreamableHTTPClientTransport, type Transport } from '@modelcontextprotocol/client';
import { z } from 'zod';
import { ErrorCode, type Logger, WireError } from '../core/index.js';
import { StdioProcessTransport } from './stdio-process-transport.js';
import { Supervisor, type SupervisorOptions } from './supervisor.js';
import { isSessionGone, upstreamError } from './upstream-errors.js';
import type { UpstreamSpec } from './upstream-spec.js';

const Passthrough = z.looseObject({});
export type Json = Record<string, unknown>;
export type ListKind = 'tools' | 'prompts' | 'resources' | 'resourceTemplates';
const LIST: Record<ListKind, { method: string; key: string; capability: 'tools' | 'prompts' | 'resources' }> = {
  tools: { method: 'tools/list', key: 'tools', capability: 'tools' },
  prompts: { method: 'prompts/list', key: 'prompts', capability: 'prompts' },
  resources: { method: 'resources/list', key: 'resources', capability: 'resources' },
  resourceTemplates: { method: 'resources/templates/list', key: 'resourceTemplates', capability: 'resources' },
};

/** What the gateway plugs in: where server→client traffic and state changes go. */
export interface UpstreamHooks {
  onRequest(upstream: Upstream, request: { method: string; params?: Json }, signal: AbortSignal): Promise<Json>;
  onNotification(upstream: Upstream, notification: { method: string; params?: Json }): void;
  onListChanged(upstream: Upstream, kind: 'tools' | 'prompts' | 'resources'): void;
  onStatus(upstream: Upstream): void;
}

export interface ForwardOptions {
  signal?: AbortSignal;
  onprogress?: (progress: { progress: number; total?: number; message?: string }) => void;
}

interface Connection {
  client: Client;
  transport: Transport;
  closed: Promise<void>;
  close(): Promise<void>;
}

export class Upstream {
  readonly #supervisor: Supervisor<Connection>;
  readonly #log: Logger;

  constructor(
    readonly spec: UpstreamSpec,
    private readonly opts: { log: Logger; hooks: UpstreamHooks; clientInfo: { name: string; version: string }; supervisor?: SupervisorOptions },
  ) {
    this.#log = opts.log.child({ upstream: spec.name });
    this.#supervisor = new Supervisor(spec.name, () => this.#connect(), { ...opts.supervisor, log: this.#log });
    this.#supervisor.on('up', () => opts.hooks.onStatus(this));
    this.#supervisor.on('down', () => opts.hooks.onStatus(this));
  }

  get name(): string {
    return this.spec.name;
  }
  get up(): boolean {
    return this.#supervisor.state === 'up' && this.#supervisor.current !== undefined;
  }
  get client(): Client | undefined {
    return this.up ? this.#supervisor.current?.client : undefined;
  }

  status() {
    const client = this.client;
    const transport = this.#supervisor.current?.transport;
    return {
      name: this.name,
      transport: this.spec.transport,
      state: this.#supervisor.state,
      era: client?.getProtocolEra(),
      restarts: this.#supervisor.restarts,
      ...(this.#supervisor.lastError && { error: this.#supervisor.lastError }),
      ...(transport instanceof StdioProcessTransport && transport.pid !== undefined && { pid: transport.pid }),
    };
  }

  start(): void {
    this.#supervisor.start();
  }
  stop(): Promise<void> {
    return this.#supervisor.stop();
  }

  #transport(): Transport {
    const s = this.spec;
    if (s.transport === 'stdio') {
      return new StdioProcessTransport({ name: s.name, command: s.command, args: s.args, env: s.env, ...(s.cwd && { cwd: s.cwd }) }, { log: this.opts.log });
    }
    const requestInit = { headers: s.headers };
    return s.transport === 'sse' ? new SSEClientTransport(new URL(s.url), { requestInit }) : new StreamableHTTPClientTransport(new URL(s.url), { requestInit });
  }

  async #connect(): Promise<Connection> {
    const hooks = this.opts.hooks;
    const changed = (kind: 'tools' | 'prompts' | 'resources') => ({ autoRefresh: false, debounceMs: 50, onChanged: () => hooks.onListChanged(this, kind) });
    const client = new Client(this.opts.clientInfo, {
      capabilities: { sampling: {}, elicitation: { form: {}, url: {} }, roots: { listChanged: true } },
      versionNegotiation: { mode: 'auto' },
      inputRequired: { autoFulfill: false },
      listChanged: { tools: changed('tools'), prompts: changed('prompts'), resources: changed('resources') },
    });
    client.fallbackRequestHandler = (request, ctx) => hooks.onRequest(this, { method: request.method, params: request.params as Json }, ctx.mcpReq.signal);
    client.fallbackNotificationHandler = async (n) => hooks.onNotification(this, { method: n.method, params: n.params as Json });
    const transport = this.#transport();
    const closed = new Promise<void>((resolve) => {
      client.onclose = () => resolve();
    });
    try {
      await client.connect(transport, { timeout: this.spec.connectTimeoutMs });
    } catch (err) {
      await client.close().catch(() => {});
      await transport.close().catch(() => {});
      throw err;
    }
    this.#log.info({ era: client.getProtocolEra(), server: client.getServerVersion() }, 'upstream connected');
    return { client, transport, closed, close: () => client.close() };
  }

  /** Forwards one request; fails fast while the server is down. Retries once after a 404 (upstream session gone). */
  async request(method: string, params: Json | undefined, opts: ForwardOptions = {}): Promise<Json> {
    for (let attempt = 0; ; attempt++) {
      const client = this.client;
      if (!client) {
        const why = this.#supervisor.lastError ? `: ${this.#supervisor.lastError}` : '';
        throw new WireError(ErrorCode.UpstreamUnavailable, `Server '${this.name}' is unavailable${why}`);
      }
      try {
        return await client.request({ method, ...(params && { params }) } as never, Passthrough, {
          timeout: this.spec.timeoutMs,
          allowInputRequired: true,
          ...(opts.signal && { signal: opts.signal }),
          ...(opts.onprogress && { onprogress: opts.onprogress, resetTimeoutOnProgress: true, maxTotalTimeout: 10 * this.spec.timeoutMs }),
        });
      } catch (err) {
        if (attempt === 0 && isSessionGone(err)) {
          this.#log.info('upstream session expired; re-initialising');
          await this.#reconnect();
          continue;
        }
        throw upstreamError(this.name, err, this.spec.timeoutMs, opts.signal);
      }
    }
  }

  async #reconnect(): Promise<void> {
    const up = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, this.spec.connectTimeoutMs + 1000);
      this.#supervisor.once('up', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    await this.#supervisor.current?.close();
    await up;
  }

  /** Every item of a list, across all pages; empty when the server lacks the capability. */
  async list(kind: ListKind): Promise<Json[]> {
    const { method, key, capability } = LIST[kind];
    if (!this.client?.getServerCapabilities()?.[capability]) return [];
    const items: Json[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 100; page++) {
      const result = await this.request(method, cursor ? { cursor } : undefined);
      items.push(...((result[key] as Json[] | undefined) ?? []));
      cursor = typeof result.nextCursor === 'string' && result.nextCursor ? result.nextCursor : undefined;
      if (!cursor) return items;
    }
    this.#log.warn({ kind }, 'stopped listing after 100 pages');
    return items;
  }
}
