// Word that every replica of a gateway must hear (an authorization completed on the replica the browser came back
// to, heard by the callers another serves): a message published on a channel reaches every instance subscribed to
// it, the publisher's own included. Backends: src/stores/memory (one process), src/stores/redis (replicas).
export interface Broadcast {
  /** Sends `message` to every instance subscribed to `channel`; rejects when it could not be sent. */
  publish(channel: string, message: string): Promise<void>;
  /** Calls `handler` with each message published on `channel` from now on; resolves to what stops it. */
  subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}
