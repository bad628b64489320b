// The official SDK Client spawning the demo server over stdio (StdioClientTransport), in both eras:
// discovery, tool calls, bad arguments, unknown tools; the child goes away when the client closes.
import type { Client } from '@modelcontextprotocol/client';
import type { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectStdio, type EraName } from '../helpers/clients.js';
import { isAlive, killAll, waitGone } from '../helpers/process.js';

const pids: number[] = [];
afterAll(() => killAll(pids));

/** Polls the `sleeping` tool until it reports `want` (bounded to 5 s); returns the last answer. */
async function waitForSleeping(client: Client, want: string): Promise<string> {
  const deadline = Date.now() + 5_000;
  let last = '';
  while (Date.now() < deadline) {
    const res = await client.callTool({ name: 'sleeping', arguments: {} });
    last = (res.content as Array<{ text: string }>)[0]?.text ?? '';
    if (last === want) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  return last;
}

const ERAS: Array<[EraName, string]> = [
  ['legacy', '2025-11-25'],
  ['modern', '2026-07-28'],
];

describe.each(ERAS)('stdio child process, %s era', (era, version) => {
  let client: Client;
  let transport: StdioClientTransport;
  beforeAll(async () => {
    ({ client, transport } = await connectStdio(era));
    if (transport.pid !== null) pids.push(transport.pid);
  });

  it('negotiates the expected era and protocol version', () => {
    expect(client.getProtocolEra()).toBe(era);
    expect(client.getNegotiatedProtocolVersion()).toBe(version);
    expect(client.getServerVersion()).toMatchObject({ name: 'demo', version: '1.0.0' });
  });

  it('lists the tools', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['boom', 'echo', 'fail', 'sleeping', 'slow']);
  });

  it('calls a tool', async () => {
    const res = await client.callTool({ name: 'echo', arguments: { text: 'over stdio' } });
    expect(res.content).toEqual([{ type: 'text', text: 'echo: over stdio' }]);
  });

  it('answers bad arguments with an isError result', async () => {
    const res = await client.callTool({ name: 'echo', arguments: {} });
    expect(res.isError).toBe(true);
    expect((res.content as Array<{ text: string }>)[0]?.text).toContain("Invalid arguments for tool 'echo'");
  });

  it('answers an unknown tool with JSON-RPC error -32602', async () => {
    await expect(client.callTool({ name: 'no-such-tool', arguments: {} })).rejects.toMatchObject({ code: -32602 });
  });

  it('cancels a slow call: the server handler sees ctx.signal abort and stops early', async () => {
    const abort = new AbortController();
    const call = client.callTool({ name: 'slow', arguments: { ms: 20_000 } }, { signal: abort.signal });
    const rejected = expect(call).rejects.toThrow();
    expect(await waitForSleeping(client, '1')).toBe('1');
    abort.abort(new Error('user pressed stop'));
    await rejected;
    // notifications/cancelled reaches the server and its handler gives up long before 20 s.
    expect(await waitForSleeping(client, '0')).toBe('0');
    // The connection survives the cancellation.
    expect((await client.callTool({ name: 'echo', arguments: { text: 'next' } })).content).toEqual([{ type: 'text', text: 'echo: next' }]);
  });

  it('the child process exits when the client closes', async () => {
    const pid = transport.pid;
    expect(pid).toBeTypeOf('number');
    expect(isAlive(pid!)).toBe(true);
    await client.close();
    await expect(waitGone(pid!, 10_000)).resolves.toBe(true);
  });
});
