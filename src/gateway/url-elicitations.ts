// Who was given which URL elicitation, so that word of its completion reaches them. A URL elicitation (2025-11-25)
// sends a person to a page outside the protocol (an upstream's login, a payment); the server that gave it says when
// that is done with `notifications/elicitation/complete {elicitationId}`, and a client may then retry on its own.
// A caller gets one from an upstream (an `elicitation/create` in URL mode relayed to it, or a -32042 error passed
// on) or from the gateway itself (its per-caller OAuth, upstream-oauth.ts); the completion is sent on the
// connection the caller was given it on, by whoever gave it, once. 2025-era connections only: the 2026-07-28
// revision has no such notification. With replicas (`cluster:`), a completion the gateway itself makes (the browser
// back at its OAuth callback, on whichever replica the balancer chose) is heard by the callers every replica serves.
import { randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Json } from '../client/upstream.js';
import type { Broadcast, Logger } from '../core/index.js';
import { urlElicitations, urlElicitationsOf } from '../wire/url-elicitation.js';

/** Sends `notifications/elicitation/complete` on one caller's connection. */
export type CompletionNotifier = (elicitationId: string) => Promise<void>;

/** How long a given URL elicitation may still be completed (a login, with time to spare). */
const COMPLETABLE_MS = 30 * 60_000;
const MAX_GIVEN = 10_000;
/** The channel replicas tell each other of completions on. */
const COMPLETED = 'url-elicitation-completed';

export class UrlElicitations {
  /** By giver and id: the connections given it. */
  readonly #given = new LRUCache<string, Set<CompletionNotifier>>({ max: MAX_GIVEN, ttl: COMPLETABLE_MS });
  /** The replicas' channel, once shared; this instance's name on it (its own messages are already heard here). */
  #shared: { broadcast: Broadcast; log: Logger } | undefined;
  readonly #self = randomUUID();

  /** Hears the completions other replicas announce, and tells them of this one's (`announce`); resolves to what stops it. */
  share(broadcast: Broadcast, log: Logger): Promise<() => Promise<void>> {
    this.#shared = { broadcast, log };
    return broadcast.subscribe(COMPLETED, (message) => {
      try {
        const { from, upstream, id } = JSON.parse(message) as { from: string; upstream: string; id: string };
        if (from !== this.#self) this.complete(upstream, id);
      } catch {
        log.warn({ channel: COMPLETED }, 'an unreadable message from another replica was ignored');
      }
    });
  }

  /** The gateway itself completed `id` of `upstream` (its OAuth callback): callers given it here, and on every replica, hear so. */
  announce(upstream: string, id: string): void {
    this.complete(upstream, id);
    const shared = this.#shared;
    shared?.broadcast.publish(COMPLETED, JSON.stringify({ from: this.#self, upstream, id })).catch((err: Error) => {
      shared.log.warn({ upstream, problem: err.message }, "other replicas' callers were not told an authorization is done (Redis); they see it when they call again");
    });
  }

  /** `upstream`'s `elicitation/create` went to the caller behind `notify` (when in URL mode). */
  asked(upstream: string, params: Json | undefined, notify: CompletionNotifier | undefined): void {
    if (notify) for (const { elicitationId } of urlElicitations([params])) this.given(upstream, elicitationId, notify);
  }

  /** A call to `upstream` failed with `err`: when it is a -32042, its URL elicitations were given to the caller. */
  failed(upstream: string, err: unknown, notify: CompletionNotifier | undefined): void {
    if (notify) for (const { elicitationId } of urlElicitationsOf(err)) this.given(upstream, elicitationId, notify);
  }

  /** `upstream` (or the gateway for it) says elicitation `id` is done: each connection given it hears so, once. */
  complete(upstream: string, id: string): number {
    const key = `${upstream}\n${id}`;
    const given = this.#given.get(key);
    if (!given) return 0;
    this.#given.delete(key);
    // A closed connection or one that did not declare URL elicitation cannot hear it; nothing else is at stake.
    for (const notify of given) notify(id).catch(() => {});
    return given.size;
  }

  /** Elicitation `id` of `upstream` went to whoever `notify` tells. */
  given(upstream: string, id: string, notify: CompletionNotifier): void {
    const key = `${upstream}\n${id}`;
    const given = this.#given.get(key);
    if (given) given.add(notify);
    else this.#given.set(key, new Set([notify]));
  }
}
