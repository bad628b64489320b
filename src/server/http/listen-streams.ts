// 2026-era `subscriptions/listen` streams, each bound to who opened it, so a list change reaches only the streams
// whose principal and endpoint may see what changed (the rule 2025-era sessions follow). The SDK's listen router
// still serves every stream (acknowledgement, filter, subscription ids, keep-alive, teardown): each listen request
// gets an SDK handler of its own whose event bus (a public option) registers that one stream under the request's
// identity. Listens are few and long-lived, so a handler each costs nothing that matters.
import type { ServerResponse } from 'node:http';
import { toNodeHandler } from '@modelcontextprotocol/node';
import type { McpHttpHandler, ServerEvent, ServerEventBus, ServerNotifier } from '@modelcontextprotocol/server';
import type { ChangeKind } from '../../core/index.js';
import type { Hears } from '../../middleware/policy-target.js';
import type { EdgeIdentity } from '../identity.js';

/** The SDK's notifier, plus list changes told only to the streams `hears` admits. */
export interface ListenNotifier extends ServerNotifier {
  listChanged(kind: ChangeKind, hears?: Hears): void;
}

type Listener = (event: ServerEvent) => void;
type NodeHandler = ReturnType<typeof toNodeHandler>;

const LIST_EVENTS: Record<ChangeKind, ServerEvent> = {
  tools: { kind: 'tools_list_changed' },
  prompts: { kind: 'prompts_list_changed' },
  resources: { kind: 'resources_list_changed' },
};

export interface ListenStreamsOptions {
  /** Makes the SDK handler for one listen request (given the bus its stream registers on). */
  handler: (bus: ServerEventBus) => McpHttpHandler;
  /** Options of the node adapter each handler is served through (serveHttp). */
  adapter?: Parameters<typeof toNodeHandler>[1];
  onerror: (err: Error) => void;
}

export class ListenStreams {
  readonly #streams = new Map<Listener, EdgeIdentity>();
  readonly #handlers = new Set<McpHttpHandler>();

  constructor(private readonly opts: ListenStreamsOptions) {}

  /** How one listen request is served: the SDK's handler, its stream registered as `identity`'s. */
  adapterFor(identity: EdgeIdentity, res: ServerResponse): NodeHandler {
    const { handler, release } = this.handlerFor(identity);
    res.once('close', release);
    return toNodeHandler(handler, this.opts.adapter);
  }

  /** The SDK handler of one listen request, its stream registered as `identity`'s; `release` once it is over. */
  handlerFor(identity: EdgeIdentity): { handler: McpHttpHandler; release: () => void } {
    const bus: ServerEventBus = {
      publish: (event) => this.#publish(event),
      subscribe: (listener) => {
        this.#streams.set(listener, identity);
        return () => this.#streams.delete(listener);
      },
    };
    const handler = this.opts.handler(bus);
    this.#handlers.add(handler);
    return { handler, release: () => this.#handlers.delete(handler) };
  }

  readonly notify: ListenNotifier = {
    toolsChanged: () => this.#publish(LIST_EVENTS.tools),
    promptsChanged: () => this.#publish(LIST_EVENTS.prompts),
    resourcesChanged: () => this.#publish(LIST_EVENTS.resources),
    // A stream names the URIs it wants, and access narrowed that list when the stream opened.
    resourceUpdated: (uri) => this.#publish({ kind: 'resource_updated', uri }),
    listChanged: (kind, hears) => this.#publish(LIST_EVENTS[kind], hears),
  };

  /** Open streams (each listen request's stream until it ends). */
  get size(): number {
    return this.#streams.size;
  }

  /** Ends every open stream the SDK's way (a final result, then the end of the stream). */
  async close(): Promise<void> {
    await Promise.allSettled([...this.#handlers].map((h) => h.close()));
  }

  #publish(event: ServerEvent, hears?: Hears): void {
    for (const [listener, identity] of this.#streams) {
      if (hears && !hears(identity.principal, identity.endpoint)) continue;
      try {
        listener(event);
      } catch (err) {
        this.opts.onerror(err instanceof Error ? err : new Error(String(err)));
      }
    }
  }
}
