// The README's gateway-as-a-library example (examples/gateway-in-code.ts) runs as a real process: its middleware
// blocks one tool, the others are forwarded, and SIGTERM stops it.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, expect, it } from 'vitest';
import { killStarted, spawnTs, waitForLine } from '../helpers/process.js';

afterAll(() => killStarted());

it('examples/gateway-in-code.ts forwards tools and blocks the one its middleware refuses', async () => {
  const { child } = spawnTs('examples/gateway-in-code.ts', [], { env: { PORT: '0' }, stdin: 'ignore' });
  const listening = /listening on (\S+)/;
  const url = listening.exec(await waitForLine(child.stdout!, (l) => listening.test(l), 30_000))![1]!;
  const client = new Client({ name: 't', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  const tools = (await client.listTools()).tools.map((t) => t.name);
  expect(tools).toContain('everything__echo');
  const echoed = await client.callTool({ name: 'everything__echo', arguments: { message: 'hi' } });
  expect((echoed.content as Array<{ text: string }>)[0]?.text).toBe('Echo: hi');
  await expect(client.callTool({ name: 'everything__get-env', arguments: {} })).rejects.toThrow(/get-env is disabled on this gateway/);
  await client.close();
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
}, 60_000);
