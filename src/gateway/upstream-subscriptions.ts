// Resource subscriptions toward upstreams: shared by every caller, opened once per upstream connection and URI.
// 2025-era upstreams get resources/subscribe; 2026-era ones (no such method) one subscriptions/listen per URI.
import type { Upstream } from '../client/upstream.js';

/** Per upstream connection (a reconnect starts empty), the URIs subscribed and how that went. */
const subscribed = new WeakMap<object, Map<string, Promise<unknown>>>();

/** Subscribes `upstream` to `uri` unless this connection already is; a no-op when it cannot subscribe. */
export async function subscribeUpstream(upstream: Upstream, uri: string): Promise<void> {
  const client = upstream.client;
  if (!client?.getServerCapabilities()?.resources?.subscribe) return;
  const byUri = subscribed.get(client) ?? new Map<string, Promise<unknown>>();
  subscribed.set(client, byUri);
  if (!byUri.has(uri)) {
    const opened = client.getProtocolEra() === 'modern' ? client.listen({ resourceSubscriptions: [uri] }) : upstream.request('resources/subscribe', { uri });
    byUri.set(uri, opened);
    opened.catch(() => byUri.delete(uri));
  }
  await byUri.get(uri);
}
