// SQLite as an SqlDriver: the database lives in a worker thread (sqlite-worker.ts) so that a statement past its
// timeout, which better-sqlite3 cannot interrupt, is abandoned with its worker instead of freezing this process.
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { ToolError } from '../../core/index.js';
import type { ColumnInfo, Limits, QueryResult, SqlDriver, SqlParam, TableInfo } from './driver.js';
import { missingDatabase } from './sqlite-engine.js';

/** Grace past the statement timeout for the engine to report it itself (between rows) before the worker goes. */
const GRACE_MS = 500;
const META_TIMEOUT_MS = 10_000;
const DEV = import.meta.url.endsWith('.ts');
const WORKER = new URL(`./sqlite-worker.${DEV ? 'ts' : 'js'}`, import.meta.url);

/** tsx's loader API, found from this file where the runtime can (an eval'd worker resolves bare names from the working directory). */
const tsxApi = () => (typeof import.meta.resolve === 'function' ? import.meta.resolve('tsx/esm/api') : 'tsx/esm/api');

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

export class SqliteDriver implements SqlDriver {
  readonly dialect = 'sqlite';
  #worker: { worker: Worker; ready: Promise<void> } | undefined;
  readonly #pending = new Map<number, Pending>();
  #next = 0;

  constructor(
    private readonly file: string,
    private readonly opts: { readOnly: boolean; seed?: string },
  ) {
    // Checked here too, so a wrong path fails at start, not on the first call.
    if (file !== ':memory:' && !opts.seed && opts.readOnly && !existsSync(file)) throw new Error(missingDatabase(file));
  }

  #spawn(): { worker: Worker; ready: Promise<void> } {
    // From source (tsx, tests) the worker registers the TypeScript loader first (Node 20 applies no --import hooks to a
    // worker's entry file); the built package runs plain JS.
    const workerData = { file: this.file, opts: this.opts };
    const worker = DEV
      ? new Worker(`import(${JSON.stringify(tsxApi())}).then((m) => { m.register(); return import(${JSON.stringify(WORKER.href)}); })`, { eval: true, workerData })
      : new Worker(WORKER, { workerData });
    worker.unref();
    let started: () => void = () => {};
    let failed: (e: Error) => void = () => {};
    const ready = new Promise<void>((resolve, reject) => {
      started = resolve;
      failed = reject;
    });
    ready.catch(() => {});
    worker.on('message', (m: { ready?: boolean; id?: number; value?: unknown; error?: string; tool?: boolean }) => {
      if (m.ready) started();
      const p = m.id === undefined ? undefined : this.#pending.get(m.id);
      if (!p) return;
      this.#pending.delete(m.id!);
      clearTimeout(p.timer);
      if (m.error === undefined) p.resolve(m.value);
      else p.reject(m.tool ? new ToolError(m.error) : new ToolError(`SQLite failed: ${m.error}`));
    });
    const fail = (why: string) => {
      failed(new ToolError(why));
      if (this.#worker?.worker === worker) this.#worker = undefined;
      for (const [id, p] of this.#pending) {
        clearTimeout(p.timer);
        p.reject(new ToolError(why));
        this.#pending.delete(id);
      }
    };
    worker.on('error', (err) => fail(`SQLite failed: ${err.message}`));
    worker.on('exit', () => fail('SQLite worker stopped'));
    return { worker, ready };
  }

  /** The statement's clock starts once the worker has opened (and seeded) the database. */
  async #call<T>(op: string, args: unknown[], timeoutMs: number): Promise<T> {
    this.#worker ??= this.#spawn();
    const { worker, ready } = this.#worker;
    await ready;
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        // Still running inside SQLite: give up on this worker (its thread ends once SQLite returns); the next call opens a fresh one.
        if (this.#worker?.worker === worker) this.#worker = undefined;
        void worker.terminate();
        reject(new ToolError(`Query cancelled: over the ${timeoutMs} ms statement timeout`));
      }, timeoutMs + GRACE_MS);
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      worker.postMessage({ id, op, args });
    });
  }

  listTables(): Promise<TableInfo[]> {
    return this.#call('listTables', [], META_TIMEOUT_MS);
  }
  describe(table: string): Promise<ColumnInfo[] | undefined> {
    return this.#call('describe', [table], META_TIMEOUT_MS);
  }
  query(sql: string, params: SqlParam[], limits: Limits): Promise<QueryResult> {
    return this.#call('query', [sql, params, limits], limits.timeoutMs);
  }
  explain(sql: string, params: SqlParam[], limits: Limits): Promise<unknown> {
    return this.#call('explain', [sql, params, limits], limits.timeoutMs);
  }
  execute(sql: string, params: SqlParam[], limits: Limits): Promise<{ rowsAffected: number; result?: QueryResult }> {
    return this.#call('execute', [sql, params, limits], limits.timeoutMs);
  }

  async close(): Promise<void> {
    const current = this.#worker;
    this.#worker = undefined;
    await current?.worker.terminate();
  }
}
