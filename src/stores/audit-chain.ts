// The audit hash chain every backend shares: canonical JSON of a record (with its seq and predecessor's hash),
// sha256 over it, and the walk that finds the first record that was modified, deleted around or inserted.
import type { AuditChainBreak, AuditRecord, AuditVerifyResult, StoredAuditRecord } from '../core/audit.js';
import { canonicalJson } from '../core/canonical-json.js';
import { sha256 } from '../core/sha256.js';

/** The predecessor of record 1. */
export const GENESIS = '0'.repeat(64);

/** The record's fields as stored: every field present, absent ones null. */
export function normalize(r: AuditRecord): Required<AuditRecord> {
  return {
    time: r.time,
    requestId: r.requestId,
    principal: r.principal,
    tenant: r.tenant ?? null,
    method: r.method,
    target: r.target ?? null,
    upstream: r.upstream ?? null,
    argsDigest: r.argsDigest ?? null,
    args: r.args ?? null,
    outcome: r.outcome,
    errorCode: r.errorCode ?? null,
    durationMs: r.durationMs,
  };
}

export function recordHash(r: AuditRecord, seq: number, prevHash: string): string {
  return hashOf(normalize(r), seq, prevHash);
}

function hashOf(n: Required<AuditRecord>, seq: number, prevHash: string): string {
  // The hashed fields built in sorted key order. Without redacted arguments every value is a string, number or
  // null, so JSON.stringify writes exactly canonicalJson's text (test/stores/audit-chain.test.ts), at a third of its cost.
  const { args, argsDigest, durationMs, errorCode, method, outcome, principal, requestId, target, tenant, time, upstream } = n;
  const fields = { args, argsDigest, durationMs, errorCode, method, outcome, prevHash, principal, requestId, seq, target, tenant, time, upstream };
  return sha256(args === null || typeof args !== 'object' ? JSON.stringify(fields) : canonicalJson(fields));
}

/** Links `records` after (`seq`, `hash`): the rows to insert. */
export function chain(records: readonly AuditRecord[], last: { seq: number; hash: string } | undefined): StoredAuditRecord[] {
  let seq = last?.seq ?? 0;
  let prev = last?.hash ?? GENESIS;
  return records.map((r) => {
    seq += 1;
    const n = normalize(r);
    const hash = hashOf(n, seq, prev);
    const row = Object.assign(n, { seq, prevHash: prev, hash });
    prev = hash;
    return row;
  });
}

/** Checks rows in seq order; stops at the first that breaks the chain. */
export async function verifyChain(rows: AsyncIterable<StoredAuditRecord> | Iterable<StoredAuditRecord>): Promise<AuditVerifyResult> {
  let checked = 0;
  let prev: { seq: number; hash: string } = { seq: 0, hash: GENESIS };
  const bad = (row: StoredAuditRecord, reason: AuditChainBreak['reason'], message: string): AuditVerifyResult => ({
    ok: false,
    checked,
    firstBad: { seq: row.seq, requestId: row.requestId ?? null, reason, message: `record ${row.seq}: ${message}` },
  });
  for await (const row of rows) {
    checked += 1;
    if (recordHash(row, row.seq, row.prevHash) !== row.hash) return bad(row, 'modified', 'its content does not match its hash (modified)');
    if (row.seq > prev.seq + 1) {
      const gone = row.seq - prev.seq - 1 === 1 ? `record ${prev.seq + 1} is` : `records ${prev.seq + 1}-${row.seq - 1} are`;
      return bad(row, 'missing', `${gone} missing before it (deleted)`);
    }
    if (row.prevHash !== prev.hash || row.seq !== prev.seq + 1) {
      return bad(row, 'relinked', `it does not follow record ${prev.seq} (a record was inserted or replaced)`);
    }
    prev = { seq: row.seq, hash: row.hash };
  }
  return { ok: true, checked };
}
