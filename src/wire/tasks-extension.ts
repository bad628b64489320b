// The tasks extension's id (the 2026-07-28 `io.modelcontextprotocol/tasks`, SEP-2663), as clients declare it in
// their capabilities and servers advertise it: shared by the framework's tasks and the client's awaiting of them.
export const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';

/** The per-request envelope key a 2026-era client declares its capabilities under. */
export const CLIENT_CAPABILITIES_META = 'io.modelcontextprotocol/clientCapabilities';

/** The statuses a task ends in: it changes no more. */
export const TERMINAL_TASK_STATUSES: ReadonlySet<string> = new Set(['completed', 'failed', 'cancelled']);
