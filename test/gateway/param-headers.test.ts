// SEP-2243 Mcp-Param headers through the gateway: it lists an upstream tool's `x-mcp-header` declarations as they
// are, refuses a 2026-era call whose headers disagree with its arguments (400, -32020) before the upstream hears of
// it, and mirrors the headers on its own calls to a 2026-era HTTP upstream that checks them, whatever era the
// caller speaks (a 2025-era caller sends none). The upstream is a framework server on 127.0.0.1.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { stringify } from 'yaml';
import { createServer, type HttpHandle, parseConfig, silentLogger } from '../../src/index.js';
import { TasksClient } from '../helpers/tasks-client.js';
import { http, type RunningGateway, startGateway, text } from './helpers/harness.js';

describe('Mcp-Param headers (SEP-2243) through the gateway', () => {
  let upstream: HttpHandle;
  let running: RunningGateway;
  let runs = 0;

  beforeAll(async () => {
    const server = createServer({ name: 'weather', version: '1.0.0', logger: silentLogger });
    const input = z.object({ region: z.string().meta({ 'x-mcp-header': 'Region' }), days: z.number().int().meta({ 'x-mcp-header': 'Days' }).optional() });
    server.tool('forecast', { description: 'Forecast for a region', input }, ({ region, days }) => {
      runs++;
      return `${region} for ${days ?? 1} day(s)`;
    });
    upstream = await server.serveHttp({ port: 0 });
    running = await startGateway([http('up', upstream.url, { protocol: '2026-07-28' })]);
  }, 60_000);
  afterAll(async () => {
    await running?.close();
    await upstream?.close();
  });

  it('serves SDK clients of both eras: the gateway sends the upstream the headers it checks', async () => {
    for (const era of ['modern', 'legacy'] as const) {
      const client = await running.connect(era);
      const tool = (await client.listTools()).tools.find((t) => t.name === 'up__forecast');
      expect(tool?.inputSchema.properties?.region).toMatchObject({ 'x-mcp-header': 'Region' });
      expect(text(await client.callTool({ name: 'up__forecast', arguments: { region: 'Zürich', days: 4 } }))).toBe('Zürich for 4 day(s)');
    }
  });

  it('refuses a 2026-era call whose header disagrees, without calling the upstream', async () => {
    const raw = new TasksClient(running.url);
    const before = runs;
    const reply = await raw.request('tools/call', { name: 'up__forecast', arguments: { region: 'Oslo' } }, { 'Mcp-Param-Region': 'Bergen' });
    expect(reply.status).toBe(400);
    expect(reply.error).toMatchObject({ code: -32020, message: expect.stringContaining('the Mcp-Param-Region header decodes to "Bergen"') });
    expect(runs).toBe(before);
    const ok = await raw.request('tools/call', { name: 'up__forecast', arguments: { region: 'Oslo' } }, { 'Mcp-Param-Region': 'Oslo' });
    expect(text(ok.result)).toBe('Oslo for 1 day(s)');
  });
});

describe('Mcp-Param headers on an answer the gateway gives itself (a cache hit)', () => {
  let upstream: HttpHandle;
  let running: RunningGateway;
  let runs = 0;

  beforeAll(async () => {
    const server = createServer({ name: 'weather', version: '1.0.0', logger: silentLogger });
    const input = z.object({ region: z.string().meta({ 'x-mcp-header': 'Region' }) });
    server.tool('forecast', { description: 'Forecast for a region', input, annotations: { readOnlyHint: true } }, ({ region }) => {
      runs++;
      return `${region}: sunny`;
    });
    upstream = await server.serveHttp({ port: 0 });
    const up = http('up', upstream.url, { protocol: '2026-07-28' });
    const file = parseConfig(stringify({ listen: { host: '127.0.0.1', port: 0 }, cache: { ttlMs: 60_000 }, servers: {} }), { format: 'yaml' });
    running = await startGateway({ ...file, servers: { up } });
  }, 60_000);
  afterAll(async () => {
    await running?.close();
    await upstream?.close();
  });

  it('refuses a cached call whose header disagrees, as the terminal would, and serves it when they agree', async () => {
    const raw = new TasksClient(running.url);
    const call = (region: string) => raw.request('tools/call', { name: 'up__forecast', arguments: { region: 'Oslo' } }, { 'Mcp-Param-Region': region });
    expect(text((await call('Oslo')).result)).toBe('Oslo: sunny');
    expect(runs).toBe(1);
    const refused = await call('Bergen');
    expect(refused.status).toBe(400);
    expect(refused.error).toMatchObject({ code: -32020, message: expect.stringContaining('the Mcp-Param-Region header decodes to "Bergen"') });
    // A hit: the upstream is not called again.
    expect(text((await call('Oslo')).result)).toBe('Oslo: sunny');
    expect(runs).toBe(1);
  });
});
