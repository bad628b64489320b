// createServer(): declare tools/resources/prompts, wrap them in the pipeline, serve over stdio or HTTP in both eras.
import { randomBytes } from 'node:crypto';
import { createRequestStateCodec, type RequestStateCodec, type Server, type ServerNotifier } from '@modelcontextprotocol/server';
import { serveStdio as sdkServeStdio } from '@modelcontextprotocol/server/stdio';
import type { Transport } from '@modelcontextprotocol/server';
import type { z } from 'zod';
import { compose, type Era, type Handler, type Logger, type Middleware } from '../core/index.js';
import type { Completer, PromptRender, PromptSpec, ResourceRead, ResourceSpec, TemplateRead, ToolHandler, ToolSpec } from './definitions.js';
import type { ElicitState } from './elicitation.js';
import { type HttpHandle, serveHttp } from './http/serve-http.js';
import type { HttpServeOptions } from './http/options.js';
import { createLogger } from './logger.js';
import { terminalHandler } from './methods.js';
import { type AppCore, type Connection, createProtocolServer, endRoundOnInputRequired } from './protocol-server.js';
import { type ListKind, type Registration, Registry } from './registry.js';
import type { SchemaInput } from './schema.js';

export interface CreateServerOptions {
  name: string;
  version: string;
  instructions?: string;
  /** Defaults to pino on stderr. */
  logger?: Logger;
  /** Items per page in list results; default 500. */
  listPageSize?: number;
  /** HMAC key (≥ 32 bytes) for 2026-era multi-round-trip state; give the same key to every replica. Default: random per process. */
  requestStateKey?: string | Uint8Array;
}

export interface StdioHandle {
  close(): Promise<void>;
}

const SEND_LIST_CHANGED: Record<ListKind, (s: Server) => Promise<void>> = {
  tools: (s) => s.sendToolListChanged(),
  resources: (s) => s.sendResourceListChanged(),
  prompts: (s) => s.sendPromptListChanged(),
};
const NOTIFY_CHANGED: Record<ListKind, (n: ServerNotifier) => void> = {
  tools: (n) => n.toolsChanged(),
  resources: (n) => n.resourcesChanged(),
  prompts: (n) => n.promptsChanged(),
};

export class McplexServer implements AppCore {
  readonly info: { name: string; version: string };
  readonly instructions?: string;
  readonly logger: Logger;
  readonly codec: RequestStateCodec<ElicitState>;
  readonly #registry = new Registry();
  readonly #middlewares: Middleware[] = [];
  readonly #terminal: Handler;
  #composed: Handler | undefined;
  readonly #live = new Set<Connection>();
  readonly #notifiers = new Set<ServerNotifier>();

  constructor(opts: CreateServerOptions) {
    this.info = { name: opts.name, version: opts.version };
    if (opts.instructions !== undefined) this.instructions = opts.instructions;
    this.logger = opts.logger ?? createLogger(opts.name);
    this.codec = createRequestStateCodec<ElicitState>({
      key: opts.requestStateKey ?? randomBytes(32),
      ttlSeconds: 600,
      bind: (ctx) => ctx.mcpReq.method,
    });
    this.#terminal = endRoundOnInputRequired(terminalHandler(this.#registry, opts.listPageSize ?? 500), this.codec);
    this.#registry.onChange((kind) => this.#broadcastListChanged(kind));
  }

  tool<I extends SchemaInput | undefined = undefined, O extends SchemaInput | undefined = undefined>(
    name: string,
    spec: ToolSpec<I, O>,
    handler: ToolHandler<I>,
  ): Registration {
    return this.#registry.addTool(name, spec, handler as ToolHandler<unknown>);
  }

  resource(uri: string, spec: ResourceSpec, read: ResourceRead): Registration {
    return this.#registry.addResource(uri, spec, read);
  }

  resourceTemplate(uriTemplate: string, spec: ResourceSpec, read: TemplateRead, opts: { complete?: Record<string, Completer> } = {}): Registration {
    return this.#registry.addTemplate(uriTemplate, spec, read, opts.complete);
  }

  prompt<A extends z.ZodObject | undefined = undefined>(name: string, spec: PromptSpec<A>, render: PromptRender<A>): Registration {
    return this.#registry.addPrompt(name, spec as PromptSpec, render as PromptRender<unknown>);
  }

  /** Adds middleware; every request to this server goes through the pipeline in the order added. */
  use(...middleware: Middleware[]): this {
    this.#middlewares.push(...middleware);
    this.#composed = undefined;
    return this;
  }

  pipeline(): Handler {
    this.#composed ??= compose(this.#middlewares, this.#terminal);
    return this.#composed;
  }

  /** Tells subscribed clients that `uri` changed (`notifications/resources/updated`). */
  resourceUpdated(uri: string): void {
    for (const c of this.#live) {
      if (c.era === 'modern' || c.subscriptions.has(uri)) this.#send(() => c.server.sendResourceUpdated({ uri }));
    }
    for (const n of this.#notifiers) n.resourceUpdated(uri);
  }

  /** A fresh SDK server instance for one connection or request, wired to this server's pipeline. */
  createProtocolServer(era: Era, track = true): Server {
    return createProtocolServer(this, era, track ? (c) => this.#track(c) : undefined);
  }

  /** Serves over stdio (both eras). Pass `transport` to serve any other SDK transport the same way. */
  serveStdio(opts: { transport?: Transport } = {}): StdioHandle {
    return sdkServeStdio((rc) => this.createProtocolServer(rc.era), {
      legacy: 'serve',
      onerror: (err) => this.logger.debug({ err }, 'stdio protocol error'),
      ...(opts.transport && { transport: opts.transport }),
    });
  }

  /** Serves Streamable HTTP on 127.0.0.1 by default, both eras on one endpoint. */
  async serveHttp(opts: HttpServeOptions = {}): Promise<HttpHandle> {
    const handle = await serveHttp((era) => this.createProtocolServer(era, era === 'legacy'), opts, this.logger);
    this.#notifiers.add(handle.notify);
    return {
      ...handle,
      close: async () => {
        this.#notifiers.delete(handle.notify);
        await handle.close();
      },
    };
  }

  #track(c: Connection): void {
    this.#live.add(c);
    const previous = c.server.onclose;
    c.server.onclose = () => {
      this.#live.delete(c);
      previous?.();
    };
  }

  #send(fn: () => Promise<void>): void {
    fn().catch((err) => this.logger.debug({ err }, 'notification not delivered'));
  }

  #broadcastListChanged(kind: ListKind): void {
    for (const c of this.#live) this.#send(() => SEND_LIST_CHANGED[kind](c.server));
    for (const n of this.#notifiers) NOTIFY_CHANGED[kind](n);
  }
}

export function createServer(opts: CreateServerOptions): McplexServer {
  return new McplexServer(opts);
}
