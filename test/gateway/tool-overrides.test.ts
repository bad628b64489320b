// `tools.override` against the official server-everything: a tool shown with the gateway's title, description and
// annotations (the result cache then treats it as read-only), an argument the gateway fixes (gone from the schema,
// always sent, refused from a caller) and one it defaults (said in the schema, sent when left out), in both eras;
// a reload that changes a fixed value applies at once, the cache's old answers dropped; bad overrides are config errors.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, Gateway, type HttpHandle, parseConfig } from '../../src/index.js';
import { rejection } from '../helpers/config.js';
import { capturingLogger } from '../helpers/logger.js';
import { waitGone } from '../helpers/process.js';
import { EVERYTHING, text } from './helpers/harness.js';

const configOf = (sumOverride: Record<string, unknown>) =>
  parseConfig(
    stringify({
      listen: { host: '127.0.0.1', port: 0 },
      cache: { ttlMs: 60_000 },
      servers: {
        ev: {
          command: process.execPath,
          args: [EVERYTHING, 'stdio'],
          tools: {
            include: ['get-sum', 'echo'],
            override: {
              'get-sum': sumOverride,
              echo: { arguments: { message: { default: 'hello' } } },
              // A typo: the server has no such tool.
              'get-summ': { description: 'never shown' },
            },
          },
        },
      },
    }),
    { format: 'yaml' },
  );

const addTen = { title: 'Add ten', description: 'Adds ten to a number.', annotations: { readOnlyHint: true }, arguments: { b: { fixed: 10 } } };

describe('tool overrides', () => {
  let gateway: Gateway;
  let handle: HttpHandle;
  const clients: Record<'legacy' | 'modern', Client> = {} as never;
  const log = capturingLogger();

  beforeAll(async () => {
    gateway = new Gateway(configOf(addTen), { logger: log });
    await gateway.start();
    handle = await gateway.serveHttp({ port: 0 });
    for (const era of ['legacy', 'modern'] as const) {
      clients[era] = new Client({ name: `overrides-${era}`, version: '1.0.0' }, era === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {});
      await clients[era].connect(new StreamableHTTPClientTransport(new URL(handle.url)));
    }
  }, 60_000);
  afterAll(async () => {
    const pids = gateway?.health().upstreams.flatMap((u) => ('pid' in u && typeof u.pid === 'number' ? [u.pid] : [])) ?? [];
    for (const c of Object.values(clients)) await c.close();
    await handle?.close();
    await gateway?.close();
    await waitGone(pids, 10_000);
  }, 30_000);

  it.each(['legacy', 'modern'] as const)('%s: lists the tools as overridden', async (era) => {
    const { tools } = await clients[era].listTools();
    const sum = tools.find((t) => t.name === 'ev__get-sum')!;
    expect([sum.title, sum.description, sum.annotations?.readOnlyHint]).toEqual(['Add ten', 'Adds ten to a number.', true]);
    // The fixed argument is gone from the schema; the other one stays required.
    expect(Object.keys(sum.inputSchema.properties ?? {})).toEqual(['a']);
    expect(sum.inputSchema.required).toEqual(['a']);
    const echo = tools.find((t) => t.name === 'ev__echo')!;
    expect(echo.inputSchema.properties?.message).toMatchObject({ default: 'hello' });
    expect(echo.inputSchema.required ?? []).not.toContain('message');
    expect(echo.description).toMatch(/echo/i);
  });

  it.each(['legacy', 'modern'] as const)('%s: sends fixed and default arguments, and refuses a caller setting a fixed one', async (era) => {
    const c = clients[era];
    expect(text(await c.callTool({ name: 'ev__get-sum', arguments: { a: 5 } }))).toBe('The sum of 5 and 10 is 15.');
    expect(text(await c.callTool({ name: 'ev__echo', arguments: {} }))).toBe('Echo: hello');
    expect(text(await c.callTool({ name: 'ev__echo', arguments: { message: 'hi' } }))).toBe('Echo: hi');
    const refused = await c.callTool({ name: 'ev__get-sum', arguments: { a: 5, b: 1 } }).catch((e: { code?: number; message: string }) => e);
    expect(refused).toMatchObject({ code: ErrorCode.InvalidParams, message: expect.stringContaining("Argument 'b' of tool 'ev__get-sum' is set by the gateway") });
  });

  it('caches the tool the override marks read-only, and a reload with another fixed value answers anew', async () => {
    const c = clients.legacy;
    const hits = async () => ((await (await fetch(new URL('/admin/cache/stats', handle.url))).json()) as { cache: { hits: number } }).cache.hits;
    const before = await hits();
    expect(text(await c.callTool({ name: 'ev__get-sum', arguments: { a: 7 } }))).toBe('The sum of 7 and 10 is 17.');
    expect(text(await c.callTool({ name: 'ev__get-sum', arguments: { a: 7 } }))).toBe('The sum of 7 and 10 is 17.');
    expect(await hits()).toBe(before + 1);
    await gateway.reload(configOf({ ...addTen, description: 'Adds twenty.', arguments: { b: { fixed: 20 } } }));
    expect(text(await c.callTool({ name: 'ev__get-sum', arguments: { a: 7 } }))).toBe('The sum of 7 and 20 is 27.');
    const { tools } = await c.listTools();
    expect(tools.find((t) => t.name === 'ev__get-sum')?.description).toBe('Adds twenty.');
  });

  it('logs an override naming a tool the server does not list, once', () => {
    const warned = log.entries.filter((e) => e.level === 'warn' && (e.obj as { tool?: string }).tool === 'get-summ');
    expect(warned.length).toBe(1);
    expect(warned[0]!.msg).toMatch(/tools\.override names a tool this server does not list/);
  });
});

describe('tool override config', () => {
  const issues = (override: unknown) => rejection(() => parseConfig(stringify({ servers: { ev: { command: 'x', tools: { override } } } }), { format: 'yaml' }));

  it('names each bad override with its path and the fix', () => {
    expect(issues({ t: { arguments: { a: { fixed: 1, default: 2 } } } })).toEqual([
      'servers.ev.tools.override.t.arguments.a: give exactly one of fixed (always sent, hidden from callers) or default (sent when the caller gives none)',
    ]);
    expect(issues({ t: { arguments: { a: {} } } })).toEqual([expect.stringMatching(/^servers\.ev\.tools\.override\.t\.arguments\.a: give exactly one of fixed/)]);
    expect(issues({ t: { descripton: 'x' } })).toEqual([expect.stringMatching(/^servers\.ev\.tools\.override\.t\.descripton: unknown key.*description/)]);
    expect(issues({ t: { annotations: { readOnly: true } } })).toEqual([expect.stringMatching(/^servers\.ev\.tools\.override\.t\.annotations\.readOnly: unknown key.*readOnlyHint/)]);
    expect(issues({ t: { annotations: { readOnlyHint: 'yes' } } })).toEqual(['servers.ev.tools.override.t.annotations.readOnlyHint: expected true or false']);
    expect(issues({ t: 'x' })).toEqual(['servers.ev.tools.override.t: expected a mapping with title, description, annotations and/or arguments']);
  });

  it('accepts any JSON value as a fixed or default argument', () => {
    const config = parseConfig(stringify({ servers: { ev: { command: 'x', tools: { override: { t: { arguments: { a: { fixed: { nested: [1, null] } }, b: { default: null } } } } } } } }), { format: 'yaml' });
    expect(config.servers.ev!.tools.override?.t?.arguments).toEqual({ a: { fixed: { nested: [1, null] } }, b: { default: null } });
  });
});
