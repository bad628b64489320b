// What the relay tells the audit log about each server→client request it handled (relayed, bridged from a
// 2026-era input request, or refused): who it went to, how it ended, how long it took.
import { asWireError, ErrorCode } from '../core/index.js';
import type { RelayedAuditEvent } from '../middleware/audit.js';

/** A server→client request the relay handled: answered, or refused/failed with `errorCode` (the audit log's event). */
export type RelayedRequest = RelayedAuditEvent;

export type RelayReport = (event: RelayedRequest) => void;

/** Runs `work` (one relayed request) and reports how it ended; just runs it when nobody listens. */
export async function reporting<T>(report: RelayReport | undefined, what: Omit<RelayedRequest, 'errorCode' | 'startedAt' | 'durationMs'>, work: () => Promise<T>): Promise<T> {
  if (!report) return work();
  const startedAt = Date.now();
  const start = performance.now();
  const done = (errorCode?: number) => report({ ...what, ...(errorCode !== undefined && { errorCode }), startedAt, durationMs: performance.now() - start });
  try {
    const result = await work();
    done();
    return result;
  } catch (err) {
    done(asWireError(err)?.code ?? ErrorCode.InternalError);
    throw err;
  }
}
