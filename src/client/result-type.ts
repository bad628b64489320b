// Tolerance for 2026-era upstreams that omit `resultType` (real servers do): a result without it and without
// input requests can only mean "complete", so it is relayed as such; anything else is left for the SDK to refuse.
import type { Transport } from '@modelcontextprotocol/client';
import type { Logger } from '../core/index.js';

type Json = Record<string, unknown>;

/** Marks a 2026-era connection's results that lack `resultType` as complete, warning once per connection. */
export function completeResultsWithoutType(transport: Transport, log: Logger): void {
  const deliver = transport.onmessage;
  if (!deliver) return;
  let warned = false;
  transport.onmessage = (message, extra) => {
    const result = (message as { result?: unknown }).result;
    if (result && typeof result === 'object' && !('resultType' in result) && !('inputRequests' in result) && !('method' in message)) {
      if (!warned) {
        warned = true;
        log.warn({ missing: 'resultType' }, 'upstream speaks 2026-07-28 but sent a result without resultType; treating such results as complete (pin it with protocol: 2025-11-25 if it misbehaves otherwise)');
      }
      deliver.call(transport, { ...message, result: { ...(result as Json), resultType: 'complete' } } as typeof message, extra);
      return;
    }
    deliver.call(transport, message, extra);
  };
}
