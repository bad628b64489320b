// A raw 2026-07-28 client for the tasks extension (the SDK's client has none yet): each request carries the
// `_meta` envelope declaring the extension (or not) and the routing headers (Mcp-Method, Mcp-Name).
import { JSON_HEADERS, rawRequest, rpcMessage } from './http.js';

export const TASKS = 'io.modelcontextprotocol/tasks';
type P = Record<string, unknown>;

export interface RpcReply {
  /** The HTTP status it came with. */
  status: number;
  result?: P;
  error?: { code: number; message: string; data?: unknown };
}

const NAME_OF: Record<string, string> = { 'tools/call': 'name', 'tasks/get': 'taskId', 'tasks/update': 'taskId', 'tasks/cancel': 'taskId' };

export class TasksClient {
  #id = 0;
  constructor(
    private readonly url: string,
    private readonly opts: { headers?: Record<string, string>; capabilities?: P } = {},
  ) {}

  /** The client capabilities this client declares: elicitation, sampling and the tasks extension unless told. */
  get capabilities(): P {
    return this.opts.capabilities ?? { elicitation: {}, sampling: {}, extensions: { [TASKS]: {} } };
  }

  /** One request; `headers` adds to (or overrides) this client's own for it. */
  async request(method: string, params: P = {}, extra: Record<string, string> = {}): Promise<RpcReply> {
    const _meta = {
      'io.modelcontextprotocol/protocolVersion': '2026-07-28',
      'io.modelcontextprotocol/clientInfo': { name: 'tasks-test', version: '1.0.0' },
      'io.modelcontextprotocol/clientCapabilities': this.capabilities,
    };
    const nameKey = NAME_OF[method];
    const headers = {
      ...JSON_HEADERS,
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': method,
      ...(nameKey && { 'mcp-name': String(params[nameKey]) }),
      ...this.opts.headers,
      ...extra,
    };
    const res = await rawRequest(this.url, { headers, body: JSON.stringify({ jsonrpc: '2.0', id: ++this.#id, method, params: { ...params, _meta } }) });
    return { ...(rpcMessage(res) as Omit<RpcReply, 'status'>), status: res.status };
  }

  /** The result of a request that must succeed. */
  async ok(method: string, params: P = {}): Promise<P> {
    const reply = await this.request(method, params);
    if (!reply.result) throw new Error(`${method} failed: ${JSON.stringify(reply.error)}`);
    return reply.result;
  }

  /** Polls tasks/get (as a client does, every 20 ms) until `done` holds; fails after `timeoutMs`. */
  async until(taskId: string, done: (task: P) => boolean, timeoutMs = 10_000): Promise<P> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const task = await this.ok('tasks/get', { taskId });
      if (done(task)) return task;
      if (Date.now() > end) throw new Error(`task ${taskId} never reached the state waited for; last: ${JSON.stringify(task)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Until the task is completed, failed or cancelled. */
  settled(taskId: string, timeoutMs?: number): Promise<P> {
    return this.until(taskId, (t) => ['completed', 'failed', 'cancelled'].includes(String(t.status)), timeoutMs);
  }
}
