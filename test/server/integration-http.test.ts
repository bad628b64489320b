// The official SDK Client against the demo server running as a separate process over Streamable HTTP,
// in both eras: discovery, tool calls, bad arguments, unknown tools, unexpected errors.
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnDemoHttp } from '../helpers/child.js';
import { killStarted, type Spawned } from '../helpers/process.js';
import { connectHttp, type EraName } from '../helpers/clients.js';

let server: Spawned & { url: string };

beforeAll(async () => {
  server = await spawnDemoHttp();
});
afterAll(() => killStarted());

const ERAS: Array<[EraName, string]> = [
  ['legacy', '2025-11-25'],
  ['modern', '2026-07-28'],
];

describe.each(ERAS)('HTTP child process, %s era', (era, version) => {
  let client: Client;
  beforeAll(async () => {
    client = await connectHttp(server.url, era);
  });
  afterAll(async () => {
    await client?.close();
  });

  it('negotiates the expected era and protocol version', () => {
    expect(client.getProtocolEra()).toBe(era);
    expect(client.getNegotiatedProtocolVersion()).toBe(version);
    expect(client.getServerVersion()).toMatchObject({ name: 'demo', version: '1.0.0' });
  });

  it('lists the tools with their JSON schemas', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['boom', 'echo', 'fail', 'sleeping', 'slow']);
    const echo = tools.find((t) => t.name === 'echo');
    expect(echo?.inputSchema).toMatchObject({ type: 'object', properties: { text: { type: 'string' } }, required: ['text'] });
  });

  it('calls a tool', async () => {
    const res = await client.callTool({ name: 'echo', arguments: { text: 'hello' } });
    expect(res.isError).toBeFalsy();
    expect(res.content).toEqual([{ type: 'text', text: 'echo: hello' }]);
  });

  it('answers bad arguments with an isError result naming the field', async () => {
    const res = await client.callTool({ name: 'echo', arguments: { text: 42 } });
    expect(res.isError).toBe(true);
    const text = (res.content as Array<{ text: string }>)[0]?.text ?? '';
    expect(text).toContain("Invalid arguments for tool 'echo'");
    expect(text).toContain('text');
  });

  it('answers an unknown tool with JSON-RPC error -32602', async () => {
    await expect(client.callTool({ name: 'no-such-tool', arguments: {} })).rejects.toMatchObject({
      code: -32602,
      message: expect.stringContaining('Unknown tool: no-such-tool'),
    });
  });

  it('turns a ToolError into an isError result with its message', async () => {
    const res = await client.callTool({ name: 'fail', arguments: {} });
    expect(res).toMatchObject({ isError: true, content: [{ type: 'text', text: 'fail: this tool always fails' }] });
  });

  it('hides an unexpected error behind a reference and keeps serving', async () => {
    const res = await client.callTool({ name: 'boom', arguments: {} });
    expect(res.isError).toBe(true);
    const text = (res.content as Array<{ text: string }>)[0]?.text ?? '';
    expect(text).toMatch(/^Internal error \(reference [0-9a-f]{8}\)/);
    expect(text).not.toContain('kaboom');
    expect((await client.callTool({ name: 'echo', arguments: { text: 'after' } })).content).toEqual([{ type: 'text', text: 'echo: after' }]);
  });

  it('serves concurrent calls on one connection', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => client.callTool({ name: 'slow', arguments: { ms: 20 + i } })),
    );
    expect(results.map((r) => (r.content as Array<{ text: string }>)[0]?.text)).toEqual(
      Array.from({ length: 8 }, (_, i) => `slept ${20 + i}`),
    );
  });
});
