// The audit hash chain every backend shares: canonical JSON of a record (with its seq and predecessor's hash),
// sha256 over it, and the walk that finds the first record that was modified, deleted around or inserted, and
// checks anchors (heads recorded outside the log) against it.
import type { AuditAnchor, AuditAnchorCheck, AuditChainBreak, AuditRecord, AuditStart, AuditVerifyResult, StoredAuditRecord } from '../core/audit.js';
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
    endpoint: r.endpoint ?? null,
    client: r.client ?? null,
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
  // `endpoint` and `client` are hashed only when set: records written before they existed (and those on the main
  // path, or over stdio) keep their hashes.
  const { args, argsDigest, client, durationMs, endpoint, errorCode, method, outcome, principal, requestId, target, tenant, time, upstream } = n;
  const fields =
    client === null && endpoint === null
      ? { args, argsDigest, durationMs, errorCode, method, outcome, prevHash, principal, requestId, seq, target, tenant, time, upstream }
      : { args, argsDigest, ...(client !== null && { client }), durationMs, ...(endpoint !== null && { endpoint }), errorCode, method, outcome, prevHash, principal, requestId, seq, target, tenant, time, upstream };
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

/** An anchor as one line of text (`seq:hash`), to paste into an external log, ticket or notary. */
export const formatAnchor = (a: AuditAnchor): string => `${a.seq}:${a.hash}`;

const ANCHOR_FORM = 'expected <seq>:<64 hex> (as `mcplex audit head` prints it)';

/** Reads `seq:hash`; throws a RangeError naming the expected form. */
export function parseAnchor(text: string): AuditAnchor {
  const m = /^\s*(\d+):([0-9a-fA-F]{64})\s*$/.exec(text);
  if (!m) throw new RangeError(`invalid audit anchor '${text}': ${ANCHOR_FORM}`);
  return checkAnchor({ seq: Number(m[1]), hash: m[2]! });
}

function checkAnchor(a: AuditAnchor): AuditAnchor {
  if (!Number.isSafeInteger(a.seq) || a.seq < 1 || !/^[0-9a-fA-F]{64}$/.test(a.hash)) throw new RangeError(`invalid audit anchor '${formatAnchor(a)}': ${ANCHOR_FORM}`);
  return { seq: a.seq, hash: a.hash.toLowerCase() };
}

/**
 * Checks rows in seq order; stops at the first that breaks the chain. Each anchor must be a record of the intact
 * part with the same hash: the chain alone cannot show a deleted or re-chained tail, a head recorded elsewhere can.
 */
export async function verifyChain(rows: AsyncIterable<StoredAuditRecord> | Iterable<StoredAuditRecord>, anchors: readonly AuditAnchor[] = [], start?: AuditStart): Promise<AuditVerifyResult> {
  const wanted = anchors.map(checkAnchor);
  const seqs = new Set(wanted.map((a) => a.seq));
  const seen = new Map<number, string>();
  let checked = 0;
  // A pruned log's first record follows the last one removed.
  let prev: { seq: number; hash: string } = start ? { seq: start.seq, hash: start.hash } : { seq: 0, hash: GENESIS };
  let firstBad: AuditChainBreak | undefined;
  const bad = (row: StoredAuditRecord, reason: AuditChainBreak['reason'], message: string) => {
    firstBad = { seq: row.seq, requestId: row.requestId ?? null, reason, message: `record ${row.seq}: ${message}` };
  };
  for await (const row of rows) {
    checked += 1;
    if (recordHash(row, row.seq, row.prevHash) !== row.hash) {
      bad(row, 'modified', 'its content does not match its hash (modified)');
      break;
    }
    if (row.seq > prev.seq + 1) {
      const gone = row.seq - prev.seq - 1 === 1 ? `record ${prev.seq + 1} is` : `records ${prev.seq + 1}-${row.seq - 1} are`;
      bad(row, 'missing', `${gone} missing before it (deleted)`);
      break;
    }
    if (row.prevHash !== prev.hash || row.seq !== prev.seq + 1) {
      bad(row, 'relinked', `it does not follow record ${prev.seq} (a record was inserted or replaced)`);
      break;
    }
    prev = { seq: row.seq, hash: row.hash };
    if (seqs.has(row.seq)) seen.set(row.seq, row.hash);
  }
  const result: AuditVerifyResult = { ok: firstBad === undefined, checked, ...(firstBad && { firstBad }), ...(start && { start }) };
  if (wanted.length === 0) return result;
  result.anchors = wanted.map((a) =>
    start && a.seq <= start.seq
      ? { ...a, ok: true, reason: 'pruned' as const, message: `record ${a.seq} was removed by retention (the log starts after record ${start.seq}): not checked` }
      : anchorCheck(a, seen.get(a.seq), prev.seq, firstBad),
  );
  result.ok &&= result.anchors.every((a) => a.ok);
  return result;
}

/** `hash`: the anchored record's hash in the verified part of the chain, which ends at record `end`. */
function anchorCheck(a: AuditAnchor, hash: string | undefined, end: number, firstBad: AuditChainBreak | undefined): AuditAnchorCheck {
  const fail = (reason: AuditAnchorCheck['reason'], message: string): AuditAnchorCheck => ({ ...a, ok: false, reason, message });
  if (hash === a.hash) return { ...a, ok: true, message: `record ${a.seq} matches the anchor` };
  if (hash !== undefined) return fail('rewritten', `record ${a.seq}'s hash differs from the anchor (rewritten?)`);
  if (firstBad) return fail('unchecked', `record ${a.seq} could not be checked against the anchor: the chain is broken at record ${firstBad.seq}`);
  return fail('truncated', `record ${a.seq} is missing (${end === 0 ? 'the log is empty' : `the log ends at ${end}`}: truncated?)`);
}
