// Word that every replica of a gateway must hear (an authorization completed on the replica the browser came back
// to, heard by the callers another serves): a message published on a channel reaches every instance subscribed to
// it, the publisher's own included. A channel may also retain one message, for instances that come later to read
// (what stands now, not what happened), and keep a log of the latest messages added to it, for instances cut off when
// they were added (what happened lately). Backends: src/stores/memory (one process), src/stores/redis (replicas).
export interface Broadcast {
  /** Sends `message` to every instance subscribed to `channel`; rejects when it could not be sent. */
  publish(channel: string, message: string): Promise<void>;
  /**
   * Calls `handler` with each message published on `channel` from now on; resolves to what stops it. `resumed` is
   * called each time this instance hears again after it was cut off (what was published meanwhile it missed).
   */
  subscribe(channel: string, handler: (message: string) => void, resumed?: () => void): Promise<() => Promise<void>>;
  /** Keeps `message` as what `channel` retains (undefined: nothing), until replaced; rejects when it could not. */
  retain(channel: string, message: string | undefined): Promise<void>;
  /** What `channel` retains now (undefined: nothing); rejects when it could not be read. */
  retained(channel: string): Promise<string | undefined>;
  /** Adds `message` to `channel`'s log, which keeps the latest `keep`; apart from publish and retain; rejects when it could not. */
  append(channel: string, message: string, keep: number): Promise<void>;
  /** What `channel`'s log keeps, oldest first; rejects when it could not be read. */
  logged(channel: string): Promise<string[]>;
  close(): Promise<void>;
}
