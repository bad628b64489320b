// The gateway's audit log as one pipeline slot: a reload that changes the `audit:` section switches the running
// log in place (new settings for requests from then on; a new store or spill file when those moved, with every
// record not yet stored going to the new one), and a reload can add or remove the section. Without one the slot
// costs a check per request.
import { isDeepStrictEqual } from 'node:util';
import { type AuditSink, ErrorCode, type Logger, type Middleware, type Principal } from '../core/index.js';
import { type AdminAuditEvent, type AuditEvent, type AuditMiddleware, type AuditState, audit, type RelayedAuditEvent } from '../middleware/audit.js';
import { FileAuditSpill } from '../stores/file/audit-spill.js';
import { anchoredSink, auditSettings, opening, upstreamOf } from './audit.js';
import type { Catalog } from './catalog.js';
import type { AuditConfig } from './config/audit.js';

/** What a reload did to the audit log, for the reload's report. */
export type AuditChange = 'enabled' | 'disabled' | 'changed';

/** The settings that name the store: a change to any of them opens a new one (the rest apply to the running log). */
const storeOf = ({ sink, path, synchronous, url, schema, table, anchorLogEvery, retention }: AuditConfig) => ({ sink, path, synchronous, url, schema, table, anchorLogEvery, retention });

export class LiveAudit {
  #current: AuditMiddleware | undefined;
  #config: AuditConfig | undefined;
  /** Kept while reloads leave its path alone: one writer per spill file. */
  #spill: FileAuditSpill | undefined;
  /** Reloads and close, one at a time. */
  #busy: Promise<unknown> = Promise.resolve();
  readonly #catalog: Catalog;
  readonly #log: Logger;

  /** Throws a ConfigError naming the key when a file cannot be opened (the gateway does not start). */
  constructor(config: AuditConfig | undefined, deps: { catalog: Catalog; logger: Logger }) {
    this.#catalog = deps.catalog;
    this.#log = deps.logger.child({ module: 'audit' });
    if (config) this.#current = this.#open(config);
    this.#config = config;
  }

  /** Audit of the current section; without one, the request goes straight on. */
  readonly middleware: Middleware = (ctx, next) => {
    const current = this.#current;
    return current ? current(ctx, next) : next();
  };

  /** Records a relayed server→client request, when the log is on. */
  readonly relayed = (event: RelayedAuditEvent): void => this.#current?.auditLog.relayed(event);

  /** Records a change made through an admin endpoint, when the log is on. */
  readonly admin = (event: AdminAuditEvent): void => this.#current?.auditLog.admin(event);

  /** Records something done outside the pipeline (a task's end), when the log is on. */
  readonly event = (event: AuditEvent): void => this.#current?.auditLog.event(event);

  /**
   * Runs `act` (something the gateway does outside the pipeline, such as a reload) and records it once done: its
   * result as arguments, or `{ problem }` with -32602 when it failed (recorded in the log as it is afterwards).
   */
  async recorded<T>(method: string, principal: Principal, act: () => Promise<T>): Promise<T> {
    const startedAt = Date.now();
    const started = performance.now();
    const record = (args: unknown, errorCode?: number) => this.#current?.auditLog.event({ method, principal, args, errorCode, startedAt, durationMs: performance.now() - started });
    try {
      const result = await act();
      record(result);
      return result;
    } catch (err) {
      record({ problem: (err as Error).message }, ErrorCode.InvalidParams);
      throw err;
    }
  }

  /** Whether the store takes records now, and how many wait for it (queued, or spilled to the local file); none without `audit:`. */
  state(): AuditState | undefined {
    // Named as configured (the store may be wrapped: anchoredSink).
    return this.#current && this.#config && { ...this.#current.auditLog.state(), sink: this.#config.sink };
  }

  /** The store records go to now (none without an `audit:` section): the admin routes read it. */
  get sink(): AuditSink | undefined {
    return this.#current?.auditLog.sink;
  }

  /**
   * Applies a reloaded section and says what changed (undefined: nothing). A store or spill file that cannot be
   * opened throws a ConfigError before anything is switched, so the reload is rejected as a whole.
   */
  reload(next: AuditConfig | undefined): Promise<AuditChange | undefined> {
    const run = this.#busy.then(() => this.#apply(next));
    this.#busy = run.catch(() => {});
    return run;
  }

  /** Drains what is queued into the store (or the spill file) and closes it. */
  close(): Promise<void> {
    const run = this.#busy.then(() => this.#current?.auditLog.close());
    this.#busy = run.catch(() => {});
    return run;
  }

  async #apply(next: AuditConfig | undefined): Promise<AuditChange | undefined> {
    const was = this.#config;
    const current = this.#current;
    if (isDeepStrictEqual(was, next)) return undefined;
    if (!next || !current || !was) {
      // Added: opened as at start. Removed: requests from now on go unrecorded; what is queued is stored first.
      this.#current = next && this.#open(next);
      this.#config = next;
      await current?.auditLog.close();
      return next ? 'enabled' : 'disabled';
    }
    const sink = isDeepStrictEqual(storeOf(was), storeOf(next)) ? undefined : anchoredSink(next, this.#log);
    try {
      const spill = was.spillPath === next.spillPath ? this.#spill : opening('audit.spillPath', next.spillPath, () => new FileAuditSpill(next.spillPath));
      const replaced = await current.auditLog.reconfigure({ ...auditSettings(next), sink: sink ?? current.auditLog.sink, spill });
      this.#spill = spill;
      this.#config = next;
      // The old store closes after the switch: its anchor line marks the head its chain ended on.
      if (sink) await replaced.close();
      return 'changed';
    } catch (err) {
      await sink?.close();
      throw err;
    }
  }

  #open(config: AuditConfig): AuditMiddleware {
    const sink = anchoredSink(config, this.#log);
    try {
      this.#spill = opening('audit.spillPath', config.spillPath, () => new FileAuditSpill(config.spillPath));
    } catch (err) {
      void sink.close();
      throw err;
    }
    return audit({ ...auditSettings(config), sink, spill: this.#spill, upstreamOf: upstreamOf(this.#catalog), log: this.#log });
  }
}
