// Resource subscriptions toward upstreams, shared by the callers that want them: opened upstream when the first
// caller asks for a URI, closed when the last one lets go (unsubscribed, its listen ended, its session closed).
// Each caller holds a bounded number, and so does the gateway as a whole.
import type { Client, McpSubscription } from '@modelcontextprotocol/client';
import type { Upstream } from '../client/upstream.js';
import { ErrorCode, WireError } from '../core/index.js';
import type { ListenLease } from '../server/index.js';

export interface SubscriptionLimits {
  /** Most URIs one caller (principal and address) may hold at once, over all its sessions and listens; default 256. */
  perCaller?: number;
  /** Most (holder, URI) subscriptions in the whole gateway; default 10 000. */
  total?: number;
}

/** One upstream subscription: who holds it, and how it was opened (undefined when the upstream cannot subscribe). */
interface Shared {
  readonly holders: Set<object>;
  readonly opened: Promise<McpSubscription | 'subscribed' | undefined>;
}

interface Entry {
  readonly upstream: Upstream;
  /** The upstream connection the subscription is made on. */
  readonly client: Client;
}

interface Holding {
  readonly caller: string;
  readonly entries: Map<string, Entry>;
}

export class UpstreamSubscriptions {
  /** Per upstream connection (a reconnect starts empty), per URI. */
  readonly #shared = new WeakMap<object, Map<string, Shared>>();
  readonly #holdings = new Map<object, Holding>();
  readonly #perCaller = new Map<string, number>();
  readonly #perCallerMax: number;
  readonly #totalMax: number;
  #total = 0;

  constructor(
    limits: SubscriptionLimits = {},
    private readonly onError: (err: unknown, upstream: Upstream, uri: string) => void = () => {},
  ) {
    this.#perCallerMax = limits.perCaller ?? 256;
    this.#totalMax = limits.total ?? 10_000;
  }

  /**
   * Reserves, for `holder` (a session, a listen) of `caller`, updates of `uri` from `upstream`: throws at once past
   * the limits. The returned `open` subscribes upstream (or joins the subscription other holders opened).
   */
  reserve(holder: object, caller: string, upstream: Upstream, uri: string): () => Promise<void> {
    const client = upstream.client;
    if (!client?.getServerCapabilities()?.resources?.subscribe) return () => Promise.resolve();
    const holding = this.#holdings.get(holder) ?? { caller, entries: new Map() };
    if (holding.entries.has(uri)) return () => Promise.resolve();
    const held = this.#perCaller.get(caller) ?? 0;
    if (held >= this.#perCallerMax) throw new WireError(ErrorCode.InvalidRequest, `Too many resource subscriptions: at most ${this.#perCallerMax} per client`);
    if (this.#total >= this.#totalMax) throw new WireError(ErrorCode.InvalidRequest, 'Too many resource subscriptions in this gateway; try again later');
    this.#holdings.set(holder, holding);
    const entry = { upstream, client };
    holding.entries.set(uri, entry);
    this.#perCaller.set(caller, held + 1);
    this.#total++;
    return () => (holding.entries.get(uri) === entry ? this.#open(holder, entry, uri) : Promise.resolve());
  }

  #open(holder: object, { upstream, client }: Entry, uri: string): Promise<void> {
    const byUri = this.#shared.get(client) ?? new Map<string, Shared>();
    this.#shared.set(client, byUri);
    let shared = byUri.get(uri);
    if (!shared) {
      const opened =
        client.getProtocolEra() === 'modern'
          ? client.listen({ resourceSubscriptions: [uri] })
          : upstream.request('resources/subscribe', { uri }).then(() => 'subscribed' as const);
      shared = { holders: new Set(), opened };
      byUri.set(uri, shared);
      const current = shared;
      opened.catch((err) => {
        if (byUri.get(uri) === current) byUri.delete(uri);
        this.onError(err, upstream, uri);
      });
    }
    shared.holders.add(holder);
    return shared.opened.then(() => {});
  }

  /**
   * A 2026-era listen the pipeline admitted: reserves the URIs it asks about within `caller`'s bounds (or refuses
   * it), subscribes each owning upstream once the SDK has accepted the listen (`open`), and lets go when the listen
   * ends (`release`); the last listener of a URI unsubscribes the upstream.
   */
  listen(uris: unknown, caller: string, ownerOf: (uri: string) => Upstream | undefined): ListenLease {
    if (!Array.isArray(uris) || !uris.every((u) => typeof u === 'string')) {
      throw new WireError(ErrorCode.InvalidParams, 'Invalid params: notifications.resourceSubscriptions must be an array of URI strings');
    }
    const holder = {};
    const release = () => this.release(holder);
    const opens: Array<() => Promise<void>> = [];
    try {
      for (const uri of uris as string[]) {
        const owner = ownerOf(uri);
        if (owner) opens.push(this.reserve(holder, caller, owner, uri));
      }
    } catch (err) {
      release();
      throw err;
    }
    // Failures are logged through onError; the listen is served either way.
    return { open: () => Promise.allSettled(opens.map((open) => open())), release };
  }

  /** `holder` lets go of `uri`, or of everything it holds. */
  release(holder: object, uri?: string): void {
    const holding = this.#holdings.get(holder);
    if (!holding) return;
    for (const [key, entry] of [...holding.entries]) {
      if (uri !== undefined && key !== uri) continue;
      holding.entries.delete(key);
      this.#total--;
      const left = (this.#perCaller.get(holding.caller) ?? 1) - 1;
      if (left > 0) this.#perCaller.set(holding.caller, left);
      else this.#perCaller.delete(holding.caller);
      this.#drop(holder, entry.client, entry.upstream, key);
    }
    if (holding.entries.size === 0) this.#holdings.delete(holder);
  }

  /** Removes `holder` from the shared subscription; the last holder closes it upstream. */
  #drop(holder: object, client: object, upstream: Upstream, uri: string): void {
    const byUri = this.#shared.get(client);
    const shared = byUri?.get(uri);
    if (!byUri || !shared?.holders.delete(holder) || shared.holders.size > 0) return;
    byUri.delete(uri);
    shared.opened
      .then(async (opened) => {
        if (opened === 'subscribed') {
          if (upstream.client === client) await upstream.request('resources/unsubscribe', { uri });
        } else await opened?.close();
      })
      .catch((err) => this.onError(err, upstream, uri));
  }
}
