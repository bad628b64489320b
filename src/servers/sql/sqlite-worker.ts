// The worker thread that owns a SQLite database (sqlite.ts starts it): better-sqlite3 is synchronous, so a slow
// statement blocks only this thread, and the main thread can give up on it and replace the worker.
import { parentPort, workerData } from 'node:worker_threads';
import { isToolError } from '../../core/index.js';
import { SqliteEngine } from './sqlite-engine.js';

type Op = 'listTables' | 'describe' | 'query' | 'explain' | 'execute';
const { file, opts } = workerData as { file: string; opts: { readOnly: boolean; seed?: string } };
const engine = new SqliteEngine(file, opts);

parentPort!.on('message', async ({ id, op, args }: { id: number; op: Op; args: unknown[] }) => {
  try {
    const value = await (engine[op] as (...a: unknown[]) => Promise<unknown>)(...args);
    parentPort!.postMessage({ id, value });
  } catch (err) {
    parentPort!.postMessage({ id, error: (err as Error).message, tool: isToolError(err) });
  }
});
parentPort!.postMessage({ ready: true });
