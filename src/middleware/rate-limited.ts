// The one refusal for every limit (rate limits, tenant quotas, a capability's max calls): RateLimited (-32012)
// with a retry-after hint in the error's data, so clients and the HTTP edge can back off by the same numbers.
import { ErrorCode, WireError } from '../core/index.js';

export interface RetryHint {
  /** Milliseconds until a retry can succeed. */
  retryAfterMs: number;
  /** The same, rounded up to whole seconds (what an HTTP Retry-After header carries). */
  retryAfter: number;
  /** Which limit refused: 'rate', 'quota', 'concurrency', 'capability', or 'refusals' (refused credentials at the edge). */
  limit: string;
}

export function rateLimited(what: string, retryAfterMs: number, limit: RetryHint['limit']): WireError {
  const ms = Math.max(1, Math.ceil(retryAfterMs));
  const seconds = Math.ceil(ms / 1000);
  const data: RetryHint = { retryAfterMs: ms, retryAfter: seconds, limit };
  return new WireError(ErrorCode.RateLimited, `${what}; retry in ${seconds} s`, data);
}
