// Broadcast on Redis pub/sub (ioredis): channels are `<prefix><channel>`; one connection publishes (failing fast
// while Redis is away: the caller decides what then) and one listens, subscribing again by itself after Redis comes
// back. A message published while an instance was cut off from Redis is not heard there (pub/sub keeps nothing).
// What a channel retains is a key of the same name (keys and pub/sub channels are apart in Redis), kept until replaced;
// its log a list under `<prefix>log:<channel>`, trimmed to the latest entries as each is added.
import type { Redis } from 'ioredis';
import type { Broadcast } from '../../core/broadcast.js';
import { closeRedis, failFastRedis, whenReady } from './fail-fast.js';

export interface RedisBroadcastOptions {
  url: string;
  /** Prefix of every channel; default `mcplex:events:`. */
  prefix?: string;
  /** Default 1000 ms. */
  commandTimeoutMs?: number;
}

export class RedisBroadcast implements Broadcast {
  readonly #publisher: Redis;
  readonly #listener: Redis;
  readonly #prefix: string;
  readonly #commandTimeoutMs: number;
  readonly #handlers = new Map<string, Set<(message: string) => void>>();
  readonly #resumed = new Set<() => void>();

  constructor(opts: RedisBroadcastOptions) {
    this.#prefix = opts.prefix ?? 'mcplex:events:';
    this.#commandTimeoutMs = opts.commandTimeoutMs ?? 1000;
    this.#publisher = failFastRedis(opts.url, this.#commandTimeoutMs);
    // The listener queues its SUBSCRIBE until connected, and subscribes again after a reconnection.
    this.#listener = failFastRedis(opts.url, undefined, { enableOfflineQueue: true, commandTimeout: undefined, autoResubscribe: true });
    this.#listener.on('message', (channel: string, message: string) => {
      for (const handler of this.#handlers.get(channel) ?? []) handler(message);
    });
    // Ready again after the first time: it was cut off. It subscribes again right after 'ready'; a PING sent behind
    // that is answered once it is subscribed.
    let connected = false;
    this.#listener.on('ready', () => {
      if (connected) {
        setImmediate(() => {
          this.#listener.ping().then(
            () => {
              for (const resumed of [...this.#resumed]) resumed();
            },
            () => {},
          );
        });
      }
      connected = true;
    });
  }

  /** Resolves once the publishing connection is up, or after `timeoutMs` (false): publishes meanwhile fail fast. */
  ready(timeoutMs = 5000): Promise<boolean> {
    return whenReady(this.#publisher, timeoutMs);
  }

  async publish(channel: string, message: string): Promise<void> {
    await this.#publisher.publish(this.#prefix + channel, message);
  }

  async retain(channel: string, message: string | undefined): Promise<void> {
    if (message === undefined) await this.#publisher.del(this.#prefix + channel);
    else await this.#publisher.set(this.#prefix + channel, message);
  }

  async retained(channel: string): Promise<string | undefined> {
    // Read when an instance starts, or its listener is back: the publishing connection may be a moment behind.
    await whenReady(this.#publisher, this.#commandTimeoutMs);
    return (await this.#publisher.get(this.#prefix + channel)) ?? undefined;
  }

  async append(channel: string, message: string, keep: number): Promise<void> {
    const key = `${this.#prefix}log:${channel}`;
    const done = await this.#publisher.multi().rpush(key, message).ltrim(key, -keep, -1).exec();
    const failed = done?.find(([err]) => err)?.[0];
    if (!done || failed) throw failed ?? new Error('the log entry was not added (transaction aborted)');
  }

  async logged(channel: string): Promise<string[]> {
    await whenReady(this.#publisher, this.#commandTimeoutMs);
    return this.#publisher.lrange(`${this.#prefix}log:${channel}`, 0, -1);
  }

  async subscribe(channel: string, handler: (message: string) => void, resumed?: () => void): Promise<() => Promise<void>> {
    const name = this.#prefix + channel;
    let handlers = this.#handlers.get(name);
    if (!handlers) {
      handlers = new Set();
      this.#handlers.set(name, handlers);
      await this.#listener.subscribe(name);
    }
    handlers.add(handler);
    if (resumed) this.#resumed.add(resumed);
    return async () => {
      if (resumed) this.#resumed.delete(resumed);
      const now = this.#handlers.get(name);
      if (!now?.delete(handler) || now.size > 0) return;
      this.#handlers.delete(name);
      await this.#listener.unsubscribe(name).catch(() => {});
    };
  }

  async close(): Promise<void> {
    this.#handlers.clear();
    this.#resumed.clear();
    await Promise.all([closeRedis(this.#publisher), closeRedis(this.#listener)]);
  }
}
