// The methods the framework's SDK server hands to the pipeline itself (the dispatch in protocol-server.ts), and
// where each keeps its target. Every other request is admitted by the gate before the SDK may act on it.

/** Method → how to read its target from params (a Map: no inherited keys). */
export const TARGET = new Map<string, (p: Record<string, unknown>) => unknown>([
  ['tools/list', () => undefined],
  ['tools/call', (p) => p.name],
  ['resources/list', () => undefined],
  ['resources/templates/list', () => undefined],
  ['resources/read', (p) => p.uri],
  ['resources/subscribe', (p) => p.uri],
  ['resources/unsubscribe', (p) => p.uri],
  ['prompts/list', () => undefined],
  ['prompts/get', (p) => p.name],
  ['completion/complete', (p) => (p.ref as Record<string, unknown> | undefined)?.name ?? (p.ref as Record<string, unknown> | undefined)?.uri],
]);

/** The tasks extension's methods (2026-07-28): their target is the task. */
const TASK_TARGET = new Map<string, (p: Record<string, unknown>) => unknown>([
  ['tasks/get', (p) => p.taskId],
  ['tasks/update', (p) => p.taskId],
  ['tasks/cancel', (p) => p.taskId],
]);

export const targetOf = (method: string, params: Record<string, unknown>): unknown => (TARGET.get(method) ?? TASK_TARGET.get(method))?.(params);

/** True for methods whose pipeline runs in the SDK server's handler; the gate lets those through at once. */
export const isPipelined = (method: string): boolean => TARGET.has(method) || TASK_TARGET.has(method);
