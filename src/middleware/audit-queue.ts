// The audit log's write path: a bounded in-memory queue flushed to the sink in batches by one worker, so
// records reach the store in order. When the store is down, records spill to a local file (replayed in order
// before anything newer once it is back) or, fail-closed, wait in the queue; none is ever dropped.
import type { AuditRecord, AuditSink, AuditSpill } from '../core/audit.js';
import type { Logger } from '../core/logger.js';
import { redactText } from '../core/redact.js';

export type AuditMode = 'spill' | 'fail-closed';

export interface AuditQueueOptions {
  sink: AuditSink;
  /** Where records go while the sink is down ('spill' mode), and what close() falls back to. */
  spill?: AuditSpill;
  /** 'spill' (default): calls never wait for the store. 'fail-closed': a call's answer waits for its record. */
  mode?: AuditMode;
  /** Records per append; default 200. */
  batchSize?: number;
  /** Records held in memory; a call that would exceed it waits for room. Default 10 000. */
  maxQueue?: number;
  /** How often a down sink is tried again; default 1 s. */
  retryMs?: number;
  /**
   * 'spill' mode: how long records gather before a write (so a busy server writes a batch per interval, not one
   * per request: each hand-over to the SQLite writer thread has a fixed cost of a few hundred µs on a busy
   * server); default 50 ms. Fail-closed writes start on the next turn, since calls wait for them.
   */
  flushMs?: number;
  log?: Logger;
}

interface Item {
  record: AuditRecord;
  /** Fail-closed: settles the call waiting for this record. */
  kept?: () => void;
}

/** What a running queue can be switched to (`reconfigure`): the store, the spill file and how it writes. */
export type AuditQueueSettings = Omit<AuditQueueOptions, 'log'>;

export class AuditQueue {
  #mode: AuditMode = 'spill';
  #sink!: AuditSink;
  #spill: AuditSpill | undefined;
  #batch = 200;
  #max = 10_000;
  #retryMs = 1000;
  #flushMs = 50;
  readonly #log: Logger | undefined;
  /** Set while `reconfigure` waits for the write in progress: no new write starts until the switch is made. */
  #switching: Promise<void> | undefined;
  #items: Item[] = [];
  #running: Promise<void> | undefined;
  #again = false;
  #down = false;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #roomWaiters: Array<() => void> = [];
  #upWaiters: Array<() => void> = [];

  constructor(opts: AuditQueueOptions) {
    this.#log = opts.log;
    this.#apply(opts);
    // Records an earlier run spilled go first.
    if (this.#spill && this.#spill.size > 0) this.#kick();
  }

  #apply(opts: AuditQueueSettings): void {
    this.#sink = opts.sink;
    this.#spill = opts.spill;
    this.#mode = opts.mode ?? 'spill';
    this.#batch = opts.batchSize ?? 200;
    this.#max = opts.maxQueue ?? 10_000;
    this.#retryMs = opts.retryMs ?? 1000;
    this.#flushMs = this.#mode === 'spill' ? (opts.flushMs ?? 50) : 0;
  }

  get mode(): AuditMode {
    return this.#mode;
  }

  get sink(): AuditSink {
    return this.#sink;
  }

  /**
   * Switches a running queue to other settings (a config reload): once the write in progress is done (none starts
   * meanwhile), records not yet stored go to the new sink, and records the old spill file holds move to the new one
   * (when it is another). Resolves with the sink it replaced, for the caller to close; nothing is lost or written twice.
   */
  async reconfigure(next: AuditQueueSettings): Promise<AuditSink> {
    while (this.#switching) await this.#switching;
    const switched = (async () => {
      while (this.#running) await this.#running;
      const old = this.#spill;
      // Its records first, so a disk that refuses them fails the switch before anything changed.
      if (next.spill && old && next.spill !== old && old.size > 0) {
        next.spill.append(old.read());
        old.replace([]);
      }
      const sink = this.#sink;
      this.#apply({ ...next, spill: next.spill ?? old });
      // The new sink is tried at once: waiting callers and queued records do not wait for the old one's retry timer.
      clearTimeout(this.#retry);
      this.#retry = undefined;
      this.#down = false;
      for (const w of this.#upWaiters.splice(0)) w();
      return sink;
    })();
    this.#switching = switched.then(
      () => undefined,
      () => undefined,
    );
    try {
      return await switched;
    } finally {
      this.#switching = undefined;
      if (this.#items.length > 0 || (this.#spill?.size ?? 0) > 0) this.#kick();
    }
  }

  /** The sink failed its last write and has not succeeded since. */
  get down(): boolean {
    return this.#down;
  }

  /** Records not yet in the sink (queued in memory, plus spilled). */
  get backlog(): number {
    return this.#items.length + (this.#spill?.size ?? 0);
  }

  /** Resolves once the record is kept: queued ('spill' mode) or written to the sink ('fail-closed'). */
  async push(record: AuditRecord): Promise<void> {
    while (this.#items.length >= this.#max) await new Promise<void>((r) => this.#roomWaiters.push(r));
    if (this.#mode === 'spill') {
      this.#items.push({ record });
      this.#kick();
      return;
    }
    await new Promise<void>((kept) => {
      this.#items.push({ record, kept });
      this.#kick();
    });
  }

  /** Resolves when the sink is up, or rejects after `timeoutMs`. */
  whenUp(timeoutMs: number): Promise<void> {
    if (!this.#down) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#upWaiters = this.#upWaiters.filter((w) => w !== done);
        reject(new Error('audit store unavailable'));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.#upWaiters.push(done);
    });
  }

  /**
   * Writes everything queued and replays the spill file, retrying a down sink for up to `timeoutMs`; what the
   * sink still refuses then stays in (or goes to) the spill file, for the next run to replay first. Only without a spill file can records remain, and that is
   * logged as an error with their count.
   */
  async drain(timeoutMs = 10_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.#switching) await this.#switching;
    for (;;) {
      if (this.#running) {
        await this.#running;
        continue;
      }
      if (this.#items.length === 0 && !this.#spill?.size) break;
      if (Date.now() >= until) break;
      if (this.#down) await new Promise((r) => setTimeout(r, Math.min(this.#retryMs, Math.max(1, until - Date.now()))));
      this.#kick(true);
    }
    if (this.#items.length > 0 && this.#spill) this.#spillItems();
    if (this.#items.length > 0) this.#log?.error({ records: this.#items.length }, 'audit records could not be stored before shutdown and no spill file is configured');
  }

  async close(timeoutMs?: number): Promise<void> {
    await this.drain(timeoutMs);
    clearTimeout(this.#retry);
    this.#retry = undefined;
    await this.#sink.close();
  }

  /** Starts the worker, or tells the running one to look again; `force` tries a down sink now. */
  #kick(force = false): void {
    if (this.#running || this.#switching) {
      this.#again = true;
      return;
    }
    // Started on the next turn of the event loop, or after flushMs: records of requests finishing together share one
    // append, and a synchronous store (SQLite inline) never writes inside the request that woke it.
    const wait = (r: () => void) => (force || this.#flushMs <= 0 ? setImmediate(r) : setTimeout(r, this.#flushMs));
    this.#running = new Promise<void>(wait).then(() => this.#work(force)).finally(() => {
      this.#running = undefined;
      if (this.#again) {
        this.#again = false;
        if (this.#items.length > 0) this.#kick();
      }
    });
  }

  /** Writes batches; `force` (drain, retry) tries a down sink and writes until nothing is left. */
  async #work(force: boolean): Promise<void> {
    const draining = force;
    for (;;) {
      if (this.#down && !force) {
        if (this.#mode === 'spill' && this.#spill) this.#spillItems();
        this.#scheduleRetry();
        return;
      }
      force = false;
      try {
        if (this.#spill && this.#spill.size > 0) await this.#replay();
        if (this.#items.length === 0) return this.#up();
        const batch = this.#items.slice(0, this.#batch);
        await this.#sink.append(batch.map((i) => i.record));
        this.#items.splice(0, batch.length);
        this.#settle(batch);
        this.#up();
        // Less than a full batch left: gather more for flushMs (the next kick) rather than write it at once. A switch
        // to other settings (reconfigure) waits for this batch only: the rest goes to the new sink.
        if (!draining && ((this.#flushMs > 0 && this.#items.length < this.#batch) || this.#switching)) return;
      } catch (err) {
        if (!this.#down) this.#log?.warn({ problem: redactText(String((err as Error)?.message ?? err)), backlog: this.backlog }, 'audit store unreachable; records are kept until it is back');
        this.#down = true;
      }
    }
  }

  /** Spilled records, oldest first, into the sink; the file keeps what is not written yet. */
  async #replay(): Promise<void> {
    const spill = this.#spill!;
    let rest = spill.read();
    while (rest.length > 0) {
      const batch = rest.slice(0, this.#batch);
      await this.#sink.append(batch);
      rest = rest.slice(batch.length);
      spill.replace(rest);
    }
  }

  #spillItems(): void {
    if (this.#items.length === 0) return;
    try {
      this.#spill!.append(this.#items.map((i) => i.record));
    } catch (err) {
      // The disk refuses too: the records stay queued (and calls wait for room) rather than vanish.
      this.#log?.error({ problem: String((err as Error)?.message ?? err) }, 'audit spill file not writable; records stay queued');
      return;
    }
    const spilled = this.#items;
    this.#items = [];
    this.#settle(spilled);
  }

  #settle(items: Item[]): void {
    for (const i of items) i.kept?.();
    const waiters = this.#roomWaiters.splice(0);
    for (const w of waiters) w();
  }

  #up(): void {
    if (this.#down) this.#log?.info({}, 'audit store reachable again; spilled records replayed');
    this.#down = false;
    clearTimeout(this.#retry);
    this.#retry = undefined;
    for (const w of this.#upWaiters.splice(0)) w();
  }

  #scheduleRetry(): void {
    if (this.#retry) return;
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      this.#kick(true);
    }, this.#retryMs);
    this.#retry.unref?.();
  }
}
