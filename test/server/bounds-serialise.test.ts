// An answer that cannot be serialised (a circular value, nesting far past what JSON.stringify can recurse)
// becomes a -32603 error for its caller and an error-level log line, on every server transport, never a hang.
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { HttpHandle } from '../../src/index.js';
import { StdioLineTransport } from '../../src/server/stdio-transport.js';
import { connectHttp, type EraName, echoWorks } from '../helpers/clients.js';
import { boundsServer, watchLog } from './bounds-fixture.js';

let http: HttpHandle | undefined;
afterEach(async () => {
  await http?.close();
  http = undefined;
});

const INTERNAL = { code: -32603, message: 'Internal error: the result could not be serialised' };

describe.each(['legacy', 'modern'] as EraName[])('over HTTP, %s era', (era) => {
  it.each(['circular', 'deep'])('a %s result → -32603 for the caller, an error log, and the server keeps serving', async (tool) => {
    const log = watchLog();
    http = await boundsServer(log).server.serveHttp({ port: 0 });
    const client = await connectHttp(http.url, era);
    await expect(client.callTool({ name: tool, arguments: {} })).rejects.toMatchObject(INTERNAL);
    expect((await log.next('error', 'could not serialise')).obj.err).toBeDefined();
    expect(await echoWorks(client)).toBe('echo: still alive');
    await client.close();
  });
});

describe('over stdio', () => {
  it.each(['circular', 'deep'])('a %s result → -32603 for the caller and an error log', async (tool) => {
    const log = watchLog();
    const input = new PassThrough();
    const output = new PassThrough();
    const lines: Array<Record<string, unknown>> = [];
    let buffered = '';
    const answered = new Map<number, (m: Record<string, unknown>) => void>();
    output.on('data', (d: Buffer) => {
      buffered += d.toString('utf8');
      for (let i = buffered.indexOf('\n'); i >= 0; i = buffered.indexOf('\n')) {
        const m = JSON.parse(buffered.slice(0, i)) as Record<string, unknown>;
        buffered = buffered.slice(i + 1);
        lines.push(m);
        answered.get(m.id as number)?.(m);
      }
    });
    const answer = (id: number) => new Promise<Record<string, unknown>>((r) => answered.set(id, r));
    const send = (m: unknown) => input.write(`${JSON.stringify(m)}\n`);
    const handle = boundsServer(log).server.serveStdio({ transport: new StdioLineTransport(input, output, { log }) });
    const init = answer(0);
    send({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } });
    await init;
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    const call = answer(1);
    send({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: tool, arguments: {} } });
    expect(await call).toEqual({ jsonrpc: '2.0', id: 1, error: INTERNAL });
    expect((await log.next('error', 'could not serialise')).obj.err).toBeDefined();
    const echo = answer(2);
    send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { text: 'ok' } } });
    expect(await echo).toMatchObject({ id: 2, result: { content: [{ type: 'text', text: 'echo: ok' }] } });
    await handle.close();
  });
});
