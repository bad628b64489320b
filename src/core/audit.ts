// The audit log's record and the interface every audit backend implements (append a batch, query, verify the
// hash chain). Backends live in src/stores/; the middleware that fills them in src/middleware/audit.ts.

/** What happened to a request: answered, answered with a tool failure (`isError`), or refused/failed with a code. */
export type AuditOutcome = 'ok' | 'tool_error' | 'error';

/** One audited request, as the middleware builds it. Absent values are stored as null. */
export interface AuditRecord {
  /** When the request arrived (ISO 8601, UTC). */
  time: string;
  /** Unique per record (a UUID), also in the request's log lines. */
  requestId: string;
  /** The principal's id. */
  principal: string;
  tenant?: string | null;
  /** 'tools/call', 'resources/read', … or, for a relayed server→client request, 'elicitation/create' etc. */
  method: string;
  /** Tool name, resource URI or prompt name. */
  target?: string | null;
  /** Which upstream server handled (or sent) it, in a gateway. */
  upstream?: string | null;
  /** The named endpoint (an extra MCP path) the request came to; absent on the main path. */
  endpoint?: string | null;
  /** The caller's address (HTTP: its peer's, or behind `trustedProxies` the one they name); absent over stdio. */
  client?: string | null;
  /** sha256 (hex) of the canonical JSON of the arguments, when args are digested. */
  argsDigest?: string | null;
  /** The arguments with secrets and configured paths redacted, when args are recorded. */
  args?: unknown;
  outcome: AuditOutcome;
  /** The JSON-RPC error code when outcome is 'error'. */
  errorCode?: number | null;
  durationMs: number;
}

/** A record as stored: its place in the chain, its predecessor's hash and its own. */
export interface StoredAuditRecord extends AuditRecord {
  seq: number;
  prevHash: string;
  hash: string;
}

export interface AuditQuery {
  principal?: string;
  /** Matches the target (tool name, resource URI, prompt name). */
  tool?: string;
  method?: string;
  tenant?: string;
  /** Requests on this named endpoint. */
  endpoint?: string;
  /** Requests from this client address. */
  client?: string;
  /** ISO time (or anything Date parses); records at or after it. */
  since?: string;
  /** At most this many (the most recent ones, returned oldest first); default 100. */
  limit?: number;
}

/** The first record that breaks the chain, and how. */
export interface AuditChainBreak {
  seq: number;
  requestId: string | null;
  /** modified: its content no longer matches its hash; missing: records before it were deleted; relinked: it does not follow its predecessor (inserted or replaced). */
  reason: 'modified' | 'missing' | 'relinked';
  message: string;
}

/**
 * A chain head (`AuditSink.head()`) kept outside the log — an external log, a ticket, a notary — where whoever can
 * rewrite the log cannot. A chain alone cannot show that its newest records were deleted or its tail re-chained;
 * checking that the log still holds this exact record can.
 */
export interface AuditAnchor {
  seq: number;
  /** The record's hash: 64 lowercase hex digits. */
  hash: string;
}

/** How one anchor fared in `verify`. */
export interface AuditAnchorCheck extends AuditAnchor {
  ok: boolean;
  /**
   * truncated: the log ends before the anchored record; rewritten: the record is there with another hash;
   * unchecked: the chain breaks before it, so the record could not be checked (`firstBad` names where); pruned: the
   * record was removed by retention (ok, but not checked).
   */
  reason?: 'truncated' | 'rewritten' | 'unchecked' | 'pruned';
  message: string;
}

export interface AuditVerifyOptions {
  /** Heads recorded earlier: each must still be in the (intact) chain with the same hash. */
  anchors?: readonly AuditAnchor[];
}

export interface AuditVerifyResult {
  /** The chain is intact and every anchor matched. */
  ok: boolean;
  /** Records checked (up to and including the first bad one). */
  checked: number;
  firstBad?: AuditChainBreak;
  /** One per anchor given, in their order (absent when none were given). */
  anchors?: AuditAnchorCheck[];
  /** Where the log starts when retention removed its oldest records: the chain is checked from there. */
  start?: AuditStart;
}

/** Where a log pruned by retention starts: the last record removed (its seq and hash), which the first kept one follows. */
export interface AuditStart extends AuditAnchor {
  /** When it was pruned (ISO). */
  prunedAt: string;
}

export interface AuditPruneResult {
  /** Records removed now. */
  removed: number;
  /** Where the log starts now (absent: nothing was ever pruned). */
  start?: AuditStart;
}

export interface AuditSink {
  /** What kind of store it is (sqlite, postgres), as operators see it (GET /readyz, the metrics' `sink` label). */
  readonly kind?: string;
  /** Appends records in order, atomically (all or none), extending the hash chain. Rejects when the store is unreachable. */
  append(records: readonly AuditRecord[]): Promise<void>;
  query(q?: AuditQuery): Promise<StoredAuditRecord[]>;
  /** The newest record's seq and hash (undefined for an empty log): what to record outside as an anchor. */
  head(): Promise<AuditAnchor | undefined>;
  /** Walks the whole chain and names the first record that does not verify; checks the anchors given against it. */
  verify(opts?: AuditVerifyOptions): Promise<AuditVerifyResult>;
  /**
   * Removes the records from before `before` (an ISO time), always keeping the newest, and remembers where the log
   * now starts so that it still verifies (retention: `audit.retention`, `mcplex audit prune`).
   */
  prune?(before: string): Promise<AuditPruneResult>;
  close(): Promise<void>;
}

/** Where records go while the sink is down (a local JSON-lines file in production); replayed in order. */
export interface AuditSpill {
  append(records: readonly AuditRecord[]): void;
  /** Everything spilled, oldest first. */
  read(): AuditRecord[];
  /** Replaces the spilled records with `rest` (what is left after a partial replay). */
  replace(rest: readonly AuditRecord[]): void;
  readonly size: number;
}

export const DEFAULT_AUDIT_LIMIT = 100;

