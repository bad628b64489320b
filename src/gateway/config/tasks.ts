// The gateway file's task keys: which tools of a server the gateway runs as tasks for 2026-era callers that declare
// the tasks extension (`servers.<name>.tasks`), and how long and how many tasks it keeps (the top-level `tasks:`).
// Registered in schema.ts/validate.ts; run by src/gateway/gateway-tasks.ts.
import { z } from 'zod';
import type { TaskOptions } from '../../server/index.js';
import { strict } from './hints.js';

const intIn = (min: number, max: number, msg: string) =>
  z.preprocess((v) => (typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v), z.number({ error: msg }).int({ error: msg }).min(min, { error: msg }).max(max, { error: msg }));
const support = z.enum(['optional', 'required'], { error: 'expected optional or required' });
const TOOL_SPEC = 'expected optional, required, or { support: optional | required, immediateMs: <milliseconds> }';
/** One tool's: how it supports tasks, and how long it first runs in its request (0: a task at once). */
const toolSpec = z.union(
  [support, strict({ support, immediateMs: intIn(0, 3_600_000, 'expected a whole number of milliseconds, at most an hour').optional() }, TOOL_SPEC)],
  { error: TOOL_SPEC },
);

/**
 * `tasks: optional` (every tool of the server) or `tasks: { "build_*": optional, deploy: required }` (the server's own
 * tool names, globs allowed; the first match wins); a tool's value may also be `{ support, immediateMs }`.
 */
export const serverTasksSchema = z.union([support, z.record(z.string().min(1), toolSpec, { error: `expected optional, required, or a mapping of tool name (or glob) to ${TOOL_SPEC.slice('expected '.length)}` })], {
  error: 'expected optional, required, or a mapping of tool name (or glob) to optional, required or { support, immediateMs }',
});
export type ServerTasks = z.infer<typeof serverTasksSchema>;

export const tasksSchema = strict(
  {
    ttlMs: intIn(1, 2_147_483_647, 'expected a positive integer (milliseconds)').optional(),
    pollIntervalMs: intIn(1, 3_600_000, 'expected a positive integer (milliseconds)').optional(),
    maxTasks: intIn(1, 1_000_000, 'expected a positive integer').optional(),
    maxTasksPerPrincipal: intIn(1, 1_000_000, 'expected a positive integer').optional(),
  },
  'expected a mapping with ttlMs, pollIntervalMs, maxTasks, maxTasksPerPrincipal',
);
export type TasksConfig = TaskOptions;
