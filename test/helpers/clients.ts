// Official SDK clients for the tests in either era (Streamable HTTP to a URL, stdio to a spawned child), and
// an in-process serveHttp with one client per era kept open to prove the server still serves.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { type HttpHandle, type HttpServeOptions, silentLogger } from '../../src/index.js';
import { buildDemoServer } from '../fixtures/demo-server.js';
import { DEMO_SERVER } from './child.js';
import { ROOT, tsxArgs } from './process.js';

export type EraName = 'legacy' | 'modern';

export function newClient(era: EraName): Client {
  return new Client({ name: 'mcplex-test', version: '1.0.0' }, era === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {});
}

export async function connectHttp(url: string, era: EraName): Promise<Client> {
  const client = newClient(era);
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

/** Spawns the demo server with `--stdio` through the SDK transport; `transport.pid` is the child's PID. */
export function connectStdio(era: EraName): Promise<{ client: Client; transport: StdioClientTransport }> {
  return connectStdioScript(era, DEMO_SERVER, '--stdio');
}

/** Spawns `script args…` (TypeScript, through tsx) as a stdio server and connects the official SDK client. */
export async function connectStdioScript(era: EraName, script: string, ...args: string[]): Promise<{ client: Client; transport: StdioClientTransport }> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: tsxArgs(script, ...args),
    cwd: ROOT,
    env: { ...(process.env as Record<string, string>), MCPLEX_LOG_LEVEL: 'warn' },
    stderr: 'pipe',
  });
  // Drain stderr so a chatty child can never block on a full pipe.
  transport.stderr?.on('data', () => {});
  const client = newClient(era);
  await client.connect(transport);
  return { client, transport };
}

/** A normal call that must still work after hostile input: echo round-trips. */
export async function echoWorks(client: Client, text = 'still alive'): Promise<string> {
  const res = await client.callTool({ name: 'echo', arguments: { text } });
  const first = (res.content as Array<{ type: string; text?: string }>)[0];
  return first?.type === 'text' ? (first.text ?? '') : '';
}

export interface InProcess {
  readonly handle: HttpHandle;
  readonly url: string;
  /** http://127.0.0.1:PORT, for paths other than the MCP endpoint. */
  readonly origin: string;
  /** Both eras answer a normal echo call; returns the two texts. */
  stillServing(): Promise<string[]>;
  close(): Promise<void>;
}

export async function startInProcess(opts: HttpServeOptions = {}): Promise<InProcess> {
  const handle = await buildDemoServer({ logger: silentLogger }).serveHttp({ port: 0, ...opts });
  const clients: Client[] = [];
  try {
    clients.push(await connectHttp(handle.url, 'legacy'), await connectHttp(handle.url, 'modern'));
  } catch (err) {
    await handle.close();
    throw err;
  }
  return {
    handle,
    url: handle.url,
    origin: new URL(handle.url).origin,
    stillServing: () => Promise.all(clients.map((c) => echoWorks(c))),
    async close() {
      await Promise.allSettled(clients.map((c) => c.close()));
      await handle.close();
    },
  };
}

export const STILL_SERVING = ['echo: still alive', 'echo: still alive'];
