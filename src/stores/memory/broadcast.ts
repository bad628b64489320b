// Broadcast within one process: instances made on the same hub hear each other (replicas that share a process, in
// tests or when embedded), and the contract's reference.
import { EventEmitter } from 'node:events';
import type { Broadcast } from '../../core/broadcast.js';

/** What each hub's channels retain, and their logs. */
const retainedOn = new WeakMap<EventEmitter, Map<string, string>>();
const logsOn = new WeakMap<EventEmitter, Map<string, string[]>>();

export class MemoryBroadcast implements Broadcast {
  readonly #stops = new Set<() => Promise<void>>();

  constructor(readonly hub: EventEmitter = new EventEmitter().setMaxListeners(0)) {}

  async publish(channel: string, message: string): Promise<void> {
    this.hub.emit(channel, message);
  }

  async subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>> {
    const listener = (message: string) => handler(message);
    this.hub.on(channel, listener);
    const stop = async () => {
      this.hub.off(channel, listener);
      this.#stops.delete(stop);
    };
    this.#stops.add(stop);
    return stop;
  }

  async retain(channel: string, message: string | undefined): Promise<void> {
    const kept = retainedOn.get(this.hub) ?? new Map<string, string>();
    retainedOn.set(this.hub, kept);
    if (message === undefined) kept.delete(channel);
    else kept.set(channel, message);
  }

  async retained(channel: string): Promise<string | undefined> {
    return retainedOn.get(this.hub)?.get(channel);
  }

  async append(channel: string, message: string, keep: number): Promise<void> {
    const logs = logsOn.get(this.hub) ?? new Map<string, string[]>();
    logsOn.set(this.hub, logs);
    const log = [...(logs.get(channel) ?? []), message];
    logs.set(channel, log.slice(Math.max(0, log.length - keep)));
  }

  async logged(channel: string): Promise<string[]> {
    return [...(logsOn.get(this.hub)?.get(channel) ?? [])];
  }

  async close(): Promise<void> {
    await Promise.all([...this.#stops].map((stop) => stop()));
  }
}
