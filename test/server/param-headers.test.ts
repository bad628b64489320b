// SEP-2243 Mcp-Param headers in a framework server over HTTP: a tool whose input schema marks parameters with
// `x-mcp-header` is called by 2026-era clients with those values in `Mcp-Param-*` headers too; a call whose headers
// are missing, malformed or disagree with its arguments is refused with HTTP 400 and -32020 before the tool runs.
// Raw requests for the refusals, and the official SDK client (which mirrors the headers itself) in both eras.
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { cache, createServer, type HttpHandle, MemoryCacheStore, silentLogger } from '../../src/index.js';
import { eraClient } from '../gateway/fixtures/faulty.js';
import { TasksClient } from '../helpers/tasks-client.js';

const b64 = (s: string) => `=?base64?${Buffer.from(s, 'utf8').toString('base64')}?=`;

describe('Mcp-Param headers (SEP-2243) in a framework server', () => {
  let handle: HttpHandle;
  let raw: TasksClient;
  let runs = 0;
  const clients: Client[] = [];

  beforeAll(async () => {
    const server = createServer({ name: 'weather', version: '1.0.0', logger: silentLogger });
    const input = z.object({
      region: z.string().meta({ 'x-mcp-header': 'Region' }),
      days: z.number().int().meta({ 'x-mcp-header': 'Days' }).optional(),
      note: z.string().optional(),
    });
    server.tool('forecast', { description: 'Forecast for a region', input }, ({ region, days }) => {
      runs++;
      return `${region} for ${days ?? 1} day(s)`;
    });
    handle = await server.serveHttp({ port: 0 });
    raw = new TasksClient(handle.url);
  });
  afterAll(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    await handle?.close();
  });

  const call = (args: Record<string, unknown>, headers: Record<string, string>) => raw.request('tools/call', { name: 'forecast', arguments: args }, headers);
  const text = (reply: { result?: Record<string, unknown> }) => (reply.result?.content as Array<{ text: string }> | undefined)?.[0]?.text;

  it('lists the declaration as written, and serves calls whose headers agree: plain, Base64, numbers as numbers', async () => {
    const listed = await raw.ok('tools/list');
    const schema = (listed.tools as Array<{ inputSchema: { properties: Record<string, Record<string, unknown>> } }>)[0]!.inputSchema;
    expect(schema.properties.region).toMatchObject({ type: 'string', 'x-mcp-header': 'Region' });
    expect(text(await call({ region: 'Oslo' }, { 'Mcp-Param-Region': 'Oslo' }))).toBe('Oslo for 1 day(s)');
    expect(text(await call({ region: 'Zürich', days: 3 }, { 'mcp-param-region': b64('Zürich'), 'Mcp-Param-Days': '3.0' }))).toBe('Zürich for 3 day(s)');
    // A value that only looks like the Base64 wrapper is a literal.
    expect(text(await call({ region: '=?base64?T3Nsbw==' }, { 'Mcp-Param-Region': '=?base64?T3Nsbw==' }))).toBe('=?base64?T3Nsbw== for 1 day(s)');
  });

  it('refuses a missing, malformed or disagreeing header with 400 and -32020, and the tool does not run', async () => {
    const before = runs;
    const cases: Array<[Record<string, unknown>, Record<string, string>, RegExp]> = [
      [{ region: 'Oslo' }, {}, /the body carries region="Oslo" but the Mcp-Param-Region header is absent/],
      [{ region: 'Oslo' }, { 'Mcp-Param-Region': 'Bergen' }, /the Mcp-Param-Region header decodes to "Bergen" but the body carries region="Oslo"/],
      [{ region: 'Hello' }, { 'Mcp-Param-Region': '=?base64?SGVsbG8?=' }, /the Mcp-Param-Region header carries an invalid Base64 sentinel value/],
      [{ region: 'Oslo', days: 2 }, { 'Mcp-Param-Region': 'Oslo', 'Mcp-Param-Days': '3' }, /Mcp-Param-Days header decodes to "3" but the body carries days=2/],
    ];
    for (const [args, headers, message] of cases) {
      const reply = await call(args, headers);
      expect(reply.status).toBe(400);
      expect(reply.error).toMatchObject({ code: -32020, message: expect.stringMatching(message), data: { mismatch: { header: expect.stringMatching(/^Mcp-Param-/) } } });
    }
    // The same on the SDK's own handler (a Base64 Mcp-Name keeps a request off the lane), answered in JSON.
    const viaSdk = await call({ region: 'Oslo' }, { 'mcp-name': b64('forecast'), 'Mcp-Param-Region': 'Bergen', accept: 'application/json' });
    expect(viaSdk.status).toBe(400);
    expect(viaSdk.error).toMatchObject({ code: -32020, message: expect.stringContaining('the Mcp-Param-Region header decodes to "Bergen"') });
    expect(runs).toBe(before);
    // A parameter the call leaves out needs no header.
    expect(text(await call({ region: 'Oslo', note: 'x' }, { 'Mcp-Param-Region': 'Oslo' }))).toBe('Oslo for 1 day(s)');
  });

  it('serves the official SDK client of either era: the 2026 one mirrors the headers itself, the 2025 era has none', async () => {
    for (const era of ['modern', 'legacy'] as const) {
      const client = await eraClient(handle.url, era);
      clients.push(client);
      await client.listTools();
      const res = await client.callTool({ name: 'forecast', arguments: { region: 'São Paulo', days: 2 } });
      expect((res.content as Array<{ text: string }>)[0]?.text).toBe('São Paulo for 2 day(s)');
    }
  });
});

describe('Mcp-Param headers on a cache hit in a framework server', () => {
  it('refuses a cached call whose header disagrees; serves the hit when they agree', async () => {
    let runs = 0;
    const server = createServer({ name: 'weather', version: '1.0.0', logger: silentLogger });
    server.use(cache({ store: new MemoryCacheStore(), toolTtlMs: () => 60_000 }));
    server.tool('forecast', { description: 'Forecast', input: z.object({ region: z.string().meta({ 'x-mcp-header': 'Region' }) }) }, ({ region }) => {
      runs++;
      return `${region}: sunny`;
    });
    const handle = await server.serveHttp({ port: 0 });
    try {
      const raw = new TasksClient(handle.url);
      const call = (region: string) => raw.request('tools/call', { name: 'forecast', arguments: { region: 'Oslo' } }, { 'Mcp-Param-Region': region });
      expect((await call('Oslo')).result).toMatchObject({ content: [{ text: 'Oslo: sunny' }] });
      const refused = await call('Bergen');
      expect(refused.status).toBe(400);
      expect(refused.error?.code).toBe(-32020);
      expect((await call('Oslo')).result).toMatchObject({ content: [{ text: 'Oslo: sunny' }] });
      expect(runs).toBe(1);
    } finally {
      await handle.close();
    }
  });
});
