// Change notifications from an upstream: list_changed debounced per kind, and on a 2026-era connection the
// subscriptions/listen stream that carries them, opened after connect so a slow acknowledgement never delays readiness.
import type { Client, McpSubscription } from '@modelcontextprotocol/client';
import type { ChangeKind, Logger } from '../core/index.js';

const KINDS: Record<string, ChangeKind> = {
  'notifications/tools/list_changed': 'tools',
  'notifications/prompts/list_changed': 'prompts',
  'notifications/resources/list_changed': 'resources',
};

/** The kind of list a notification says changed, if it is a list_changed one. */
export const listChangedKind = (method: string): ChangeKind | undefined => KINDS[method];

/** Calls `onChanged` once per burst of list_changed notifications of a kind (`debounceMs` after the last). */
export function debouncer(onChanged: (kind: ChangeKind) => void, debounceMs = 50): (kind: ChangeKind) => void {
  const timers = new Map<ChangeKind, NodeJS.Timeout>();
  return (kind) => {
    clearTimeout(timers.get(kind));
    const timer = setTimeout(() => {
      timers.delete(kind);
      onChanged(kind);
    }, debounceMs);
    timer.unref();
    timers.set(kind, timer);
  };
}

/** Where the listen stream of a connection is; `error` says why it failed or ended. */
export interface ListenState {
  state: 'none' | 'opening' | 'open' | 'failed';
  error?: string;
}

/**
 * Opens the list-changed listen a 2026-era upstream's capabilities call for, in the background: `state` follows it,
 * failures and unexpected ends are logged. Returns a closer (a no-op when nothing was opened).
 */
export function openListen(client: Client, ackTimeoutMs: number, log: Logger, state: ListenState): () => void {
  const caps = client.getServerCapabilities();
  const filter = {
    ...(caps?.tools?.listChanged && { toolsListChanged: true }),
    ...(caps?.prompts?.listChanged && { promptsListChanged: true }),
    ...(caps?.resources?.listChanged && { resourcesListChanged: true }),
  };
  if (client.getProtocolEra() !== 'modern' || Object.keys(filter).length === 0) return () => {};
  state.state = 'opening';
  let closed = false;
  let subscription: McpSubscription | undefined;
  const fail = (why: string) => {
    state.state = 'failed';
    state.error = why;
    log.warn({ error: why }, 'upstream change notifications unavailable: its subscriptions/listen failed; lists refresh on reconnect only');
  };
  client.listen(filter, { timeout: ackTimeoutMs }).then(
    (sub) => {
      subscription = sub;
      if (closed) return void sub.close();
      state.state = 'open';
      void sub.closed.then((cause) => {
        if (!closed && cause !== 'local') fail(`the listen stream ended (${cause})`);
      });
    },
    (err: unknown) => {
      if (!closed) fail((err as Error)?.message ?? String(err));
    },
  );
  return () => {
    closed = true;
    void subscription?.close();
  };
}
