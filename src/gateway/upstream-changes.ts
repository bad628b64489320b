// What changed upstream, for gateway features that keep derived state (the result cache): a server's lists
// changed, it came up or went down, or one of its resources was updated.
import type { ChangeKind } from '../core/index.js';

export type UpstreamChange =
  | { type: 'listChanged'; server: string; kind: ChangeKind }
  | { type: 'status'; server: string }
  | { type: 'resourceUpdated'; server: string; uri: string };

export class UpstreamChanges {
  readonly #listeners = new Set<(change: UpstreamChange) => void>();

  /** Returns the unsubscribe function. */
  on(listener: (change: UpstreamChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit(change: UpstreamChange): void {
    for (const listener of this.#listeners) listener(change);
  }
}
