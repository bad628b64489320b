// MCP sessions as the load client speaks them: a 2025-era HTTP session (initialize, initialized, calls with
// Mcp-Session-Id, DELETE), 2026-07-28 stateless HTTP calls (per-request _meta envelope + standard headers).
import { type HttpReply, responseTo, send } from './http-rpc.js';

export const MODERN_VERSION = '2026-07-28';
export const LEGACY_VERSION = '2025-11-25';
const CLIENT_INFO = { name: 'mcplex-bench', version: '1.0.0' };
const ACCEPT = 'application/json, text/event-stream';

export interface CallResult {
  content?: { type: string; text?: string }[];
  isError?: boolean;
}

export interface McpSession {
  call(tool: string, args: Record<string, unknown>, timeoutMs: number): Promise<CallResult>;
  close(): Promise<void>;
}

let nextId = 1;

function resultOf(reply: HttpReply, id: number): CallResult {
  return responseTo(reply, id).result as CallResult;
}

/** 2025-era Streamable HTTP: one initialized session, every request carrying its id. */
export class LegacyHttpSession implements McpSession {
  private constructor(
    private readonly url: URL,
    private readonly headers: Record<string, string>,
  ) {}

  /** `auth`: credential headers (e.g. Authorization) sent with every request of the session. */
  static async open(url: URL, timeoutMs: number, auth: Record<string, string> = {}): Promise<LegacyHttpSession> {
    const id = nextId++;
    const init = {
      jsonrpc: '2.0',
      id,
      method: 'initialize',
      params: { protocolVersion: LEGACY_VERSION, capabilities: {}, clientInfo: CLIENT_INFO },
    };
    const base = { ...auth, accept: ACCEPT, 'content-type': 'application/json' };
    const reply = await send(url, 'POST', base, JSON.stringify(init), timeoutMs);
    const result = responseTo(reply, id).result as { protocolVersion?: string };
    const sessionId = reply.headers['mcp-session-id'];
    if (typeof sessionId !== 'string') throw new Error('initialize reply carried no Mcp-Session-Id');
    const headers = { ...base, 'mcp-session-id': sessionId, 'mcp-protocol-version': result.protocolVersion ?? LEGACY_VERSION };
    const ack = await send(url, 'POST', headers, JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }), timeoutMs);
    if (ack.status !== 202 && ack.status !== 200) throw new Error(`notifications/initialized: HTTP ${ack.status}`);
    return new LegacyHttpSession(url, headers);
  }

  async call(tool: string, args: Record<string, unknown>, timeoutMs: number): Promise<CallResult> {
    const id = nextId++;
    const body = JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: tool, arguments: args } });
    return resultOf(await send(this.url, 'POST', this.headers, body, timeoutMs), id);
  }

  async close(): Promise<void> {
    const { accept: _a, 'content-type': _c, ...headers } = this.headers;
    await send(this.url, 'DELETE', headers, undefined, 5000).catch(() => undefined);
  }
}

/** 2026-07-28: no session; each request carries the protocol envelope in params._meta and the standard headers. */
export class ModernHttpSession implements McpSession {
  constructor(
    private readonly url: URL,
    private readonly auth: Record<string, string> = {},
  ) {}

  async call(tool: string, args: Record<string, unknown>, timeoutMs: number): Promise<CallResult> {
    const id = nextId++;
    const body = JSON.stringify({
      jsonrpc: '2.0',
      id,
      method: 'tools/call',
      params: {
        name: tool,
        arguments: args,
        _meta: {
          'io.modelcontextprotocol/protocolVersion': MODERN_VERSION,
          'io.modelcontextprotocol/clientCapabilities': {},
          'io.modelcontextprotocol/clientInfo': CLIENT_INFO,
        },
      },
    });
    const headers = {
      ...this.auth,
      accept: ACCEPT,
      'content-type': 'application/json',
      'mcp-protocol-version': MODERN_VERSION,
      'mcp-method': 'tools/call',
      'mcp-name': tool,
    };
    return resultOf(await send(this.url, 'POST', headers, body, timeoutMs), id);
  }

  async close(): Promise<void> {}
}
