// examples/edge-handler.ts runs as a real process (its node:http bridge in front of the fetch handler): the official
// SDK client of each era calls its tools with an API key (the 2026 one mirroring Mcp-Param headers); a disagreeing
// header is a 400; without a key a caller is refused with the Bearer challenge.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { newApiKey } from '../../src/index.js';
import { post } from '../helpers/http.js';
import { killStarted, type Spawned, spawnTs, waitForLine } from '../helpers/process.js';
import { TasksClient } from '../helpers/tasks-client.js';
import { connectWith } from '../middleware/auth-fixture.js';

const key = newApiKey();
let server: Spawned;
let url: string;

beforeAll(async () => {
  server = spawnTs('examples/edge-handler.ts', [], { env: { PORT: '0', MCP_API_KEY_HASH: key.hash }, stdin: 'ignore' });
  const listening = /listening on (\S+)/;
  url = listening.exec(await waitForLine(server.child.stdout!, (l) => listening.test(l), 20_000))![1]!;
});
afterAll(() => killStarted());

it.each(['modern', 'legacy'] as const)('serves the SDK client (%s) that sends its API key', async (era) => {
  const client = await connectWith(url, era, { authorization: `Bearer ${key.key}` });
  try {
    const res = await client.callTool({ name: 'shout', arguments: { text: 'hello' } });
    expect((res.content as Array<{ text: string }>)[0]?.text).toBe('HELLO! (for edge-client)');
    // The 2026-era SDK client sends Mcp-Param-Region itself (from the listed schema); the server checks it.
    await client.listTools();
    const forecast = await client.callTool({ name: 'forecast', arguments: { region: 'Tromsø' } });
    expect((forecast.content as Array<{ text: string }>)[0]?.text).toBe('Sunny in Tromsø');
  } finally {
    await client.close();
  }
});

it('refuses a 2026-era call whose Mcp-Param-Region header disagrees with its arguments', async () => {
  const raw = new TasksClient(url, { headers: { authorization: `Bearer ${key.key}` } });
  const reply = await raw.request('tools/call', { name: 'forecast', arguments: { region: 'Oslo' } }, { 'Mcp-Param-Region': 'Bergen' });
  expect(reply.status).toBe(400);
  expect(reply.error?.code).toBe(-32020);
});

it('refuses a caller without a key, naming where to find out how to get one', async () => {
  const res = await post(url, { jsonrpc: '2.0', id: 1, method: 'tools/list' });
  expect(res.status).toBe(401);
  expect(String(res.headers['www-authenticate'])).toMatch(/^Bearer .*resource_metadata="http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource\/mcp"/);
});
