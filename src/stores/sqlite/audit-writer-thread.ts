// Runs the SQLite audit appends on a worker thread: better-sqlite3 is synchronous, so on the event loop every
// commit (and, with `synchronous: full`, every disk flush) would stall every request in flight; hashing the chain
// goes with it. Batches are answered in order; a thread that dies fails its batches (the queue spills them) and
// is started afresh for the next one.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { AuditRecord } from '../../core/audit.js';
import type { SqliteAuditFile } from './audit-writer.js';

type Settle = { resolve: () => void; reject: (err: Error) => void };

/** Starts the worker's entry next to this module: compiled JavaScript, or TypeScript through tsx (tests) from source. */
function startWorker(workerData: SqliteAuditFile): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./audit-writer-worker.js', import.meta.url), { workerData });
  const tsx = new URL('dist/esm/api/index.mjs', pathToFileURL(createRequire(import.meta.url).resolve('tsx/package.json'))).href;
  const file = new URL('./audit-writer-worker.ts', import.meta.url).href;
  return new Worker(`import(${JSON.stringify(tsx)}).then((t) => t.tsImport(${JSON.stringify(file)}, ${JSON.stringify(import.meta.url)}))`, { eval: true, workerData });
}

export class AuditWriterThread {
  #worker: Worker | undefined;
  #next = 0;
  readonly #pending = new Map<number, Settle>();

  /** Starts the thread now, so the first batch does not wait for it to load. */
  constructor(private readonly file: SqliteAuditFile) {
    this.#start();
  }

  append(records: readonly AuditRecord[]): Promise<void> {
    const worker = this.#start();
    const id = this.#next++;
    return new Promise<void>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.postMessage({ id, records });
    });
  }

  /** Waits for the batches in flight, then ends the thread. */
  async close(): Promise<void> {
    const worker = this.#worker;
    if (!worker) return;
    this.#worker = undefined;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    // Held by the thread until it is gone: an unref'd thread would let the process end while close() is awaited.
    worker.ref();
    worker.postMessage('close');
    await exited;
  }

  #start(): Worker {
    if (this.#worker) return this.#worker;
    const worker = startWorker(this.file);
    // A gateway that forgets to close its audit log still exits; close() (after the queue drained) is the clean way.
    worker.unref();
    worker.on('message', (msg: { id: number; error?: string }) => {
      const settle = this.#pending.get(msg.id);
      this.#pending.delete(msg.id);
      if (msg.error === undefined) settle?.resolve();
      else settle?.reject(new Error(msg.error));
    });
    const fail = (err: Error) => {
      if (this.#worker === worker) this.#worker = undefined;
      for (const settle of this.#pending.values()) settle.reject(err);
      this.#pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`audit writer thread exited (code ${code})`)));
    this.#worker = worker;
    return worker;
  }
}
