// Raw hostile lines on the stdin of a `--stdio` child, both eras: every bad line gets its JSON-RPC error
// (the SDK's own reader would drop them silently), and the process keeps serving with a clean stdout.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnDemo } from '../helpers/child.js';
import { linesWithRepeatedKeys } from '../helpers/log-lines.js';
import { isAlive, killStarted, type Spawned, waitForExit } from '../helpers/process.js';
import { modernMeta } from '../helpers/http.js';
import { StdioWire } from '../helpers/stdio-wire.js';

afterAll(() => killStarted());

/** How many protocol errors the child reported on stderr (pino debug lines from the framework's onerror). */
const reported = (p: Spawned) => p.stderr().split('\n').filter((l) => l.includes('"msg":"stdio protocol error"')).length;

async function until(cond: () => boolean, timeoutMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!cond() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return cond();
}

describe.each(['legacy', 'modern'] as const)('stdio child, %s era, hostile lines', (era) => {
  let proc: Spawned;
  let wire: StdioWire;
  beforeAll(async () => {
    proc = spawnDemo(['--stdio'], 'debug');
    wire = new StdioWire(proc, era);
    const opened = await wire.open();
    expect(opened.error).toBeUndefined();
  });

  /** Sends `line`, then a normal call; returns what arrived before the call's answer. */
  async function sendThenEcho(line: string) {
    const before = wire.messages.length;
    wire.send(line);
    expect(await wire.echo('after')).toBe('echo: after');
    return wire.messages.slice(before, -1);
  }

  it('the connection speaks the requested era', async () => {
    const res = await wire.request('tools/list');
    expect(res.result?.tools).toHaveLength(5);
    if (era === 'modern') expect(res.result?.resultType).toBe('complete');
    else expect(res.result?.resultType).toBeUndefined();
  });

  it.each(['not json', '{"jsonrpc":"2.0","id":1,', '{]'])('invalid JSON %j → -32700 with id null, reported, still serving', async (line) => {
    const before = reported(proc);
    const replies = await sendThenEcho(line);
    expect(replies).toEqual([{ jsonrpc: '2.0', id: null, error: { code: -32700, message: expect.stringContaining('Parse error') } }]);
    expect(await until(() => reported(proc) > before)).toBe(true);
  });

  it.each([
    ['an object without jsonrpc', '{"foo":1}', null, ''],
    ['an id but no method', '{"jsonrpc":"2.0","id":6}', 6, ''],
    ['a wrong version with an id', '{"jsonrpc":"1.0","id":7,"method":"tools/list"}', 7, ''],
    ['a batch array', '[{"jsonrpc":"2.0","id":8,"method":"tools/list"}]', null, ''],
    ['an empty array', '[]', null, ''],
    // What the SDK's reader would drop without an answer (its schemas are strict), so the request would wait forever.
    ['a fractional id', '{"jsonrpc":"2.0","id":1.5,"method":"ping"}', 1.5, 'the id must be a string or an integer'],
    ['an id past the safe integers', '{"jsonrpc":"2.0","id":123456789012345678901234567890,"method":"ping"}', 1.2345678901234568e29, 'the id must be a string or an integer'],
    ['a member JSON-RPC does not have', '{"jsonrpc":"2.0","id":9,"method":"ping","extra":true}', 9, 'unknown member "extra"'],
    ['a _meta that is not an object', '{"jsonrpc":"2.0","id":10,"method":"ping","params":{"_meta":"x"}}', 10, 'params._meta must be an object'],
    ['a progress token that is an object', '{"jsonrpc":"2.0","id":11,"method":"ping","params":{"_meta":{"progressToken":{}}}}', 11, 'params._meta.progressToken must be a string or an integer'],
    // A malformed answer's id is the server's own request's: refusing with it would answer that request.
    ['an answer with an extra member', '{"jsonrpc":"2.0","id":12,"result":{},"extra":1}', null, 'unknown member "extra"'],
  ])('not JSON-RPC (%s) → -32600 echoing the id when there is one, still serving', async (_label, line, id, says) => {
    const replies = await sendThenEcho(line);
    expect(replies).toEqual([{ jsonrpc: '2.0', id, error: { code: -32600, message: expect.stringContaining(says) } }]);
  });

  it('unknown method → -32601 with the request id', async () => {
    const res = await wire.request('no/such/method');
    expect(res.error?.code).toBe(-32601);
  });

  it('arguments failing the zod schema → isError result', async () => {
    const res = await wire.request('tools/call', { name: 'echo', arguments: { text: 42 } });
    expect(res.result).toMatchObject({ isError: true, content: [{ type: 'text', text: expect.stringContaining("Invalid arguments for tool 'echo'") }] });
  });

  it('arguments that are not an object, and an unknown tool → -32602', async () => {
    expect((await wire.request('tools/call', { name: 'echo', arguments: 'x' })).error?.code).toBe(-32602);
    expect((await wire.request('tools/call', { name: 'zzz', arguments: {} })).error?.code).toBe(-32602);
  });

  it('100 000 levels of nesting inside arguments → -32600 naming the depth limit, still serving', async () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const meta = era === 'modern' ? `,"_meta":${JSON.stringify(modernMeta())}` : '';
    const replies = await sendThenEcho(`{"jsonrpc":"2.0","id":"deep","method":"tools/call","params":{"name":"echo","arguments":{"text":"deep","x":${deep}}${meta}}}`);
    expect(replies).toEqual([{ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'JSON nested too deeply: the limit is 64 levels' } }]);
  });

  it('nesting at the limit is still served', async () => {
    const nested = `${'['.repeat(60)}${']'.repeat(60)}`;
    const meta = era === 'modern' ? `,"_meta":${JSON.stringify(modernMeta())}` : '';
    wire.send(`{"jsonrpc":"2.0","id":"ok-deep","method":"tools/call","params":{"name":"echo","arguments":{"text":"deep","x":${nested}}${meta}}}`);
    expect((await wire.answer('ok-deep')).result?.content).toEqual([{ type: 'text', text: 'echo: deep' }]);
  });

  it('a 5 MiB line (under the 10 MiB buffer) is served', async () => {
    const text = 'y'.repeat(5 * 1024 * 1024);
    expect(await wire.echo(text)).toBe(`echo: ${text}`);
  });

  it('an unexpected error is answered with a reference and logged under it, on a line naming each field once', async () => {
    const res = await wire.request('tools/call', { name: 'boom', arguments: {} });
    const ref = /reference ([0-9a-f]{8})/.exec(JSON.stringify(res.result))?.[1];
    expect(ref).toBeDefined();
    expect(await until(() => proc.stderr().includes(`"ref":"${ref}"`))).toBe(true);
    expect(proc.stderr().split('\n').find((l) => l.includes(`"ref":"${ref}"`))).toMatch(/"method":"tools\/call"/);
    expect(linesWithRepeatedKeys(proc.stderr())).toEqual([]);
  });

  it('stdout carried only JSON-RPC 2.0 lines, and the process is alive', () => {
    expect(wire.lines.length).toBeGreaterThan(10);
    for (const line of wire.lines) expect(JSON.parse(line)).toMatchObject({ jsonrpc: '2.0' });
    expect(isAlive(proc.pid)).toBe(true);
  });
});

describe('stdio child, a line over the 10 MiB limit', () => {
  it('is answered with -32600 and skipped; the process keeps serving', async () => {
    const proc = spawnDemo(['--stdio'], 'debug');
    const wire = new StdioWire(proc, 'legacy');
    await wire.open();
    const before = wire.messages.length;
    wire.send(JSON.stringify({ jsonrpc: '2.0', id: 'huge', method: 'tools/call', params: { name: 'echo', arguments: { text: 'z'.repeat(11 * 1024 * 1024) } } }));
    expect(await wire.echo('still here')).toBe('echo: still here');
    expect(wire.messages.slice(before, -1)).toEqual([
      { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Message too large: the limit is 10485760 bytes per line' } },
    ]);
    expect(isAlive(proc.pid)).toBe(true);
    proc.child.stdin!.end();
    expect(await waitForExit(proc.child, 15_000)).toEqual({ code: 0, signal: null });
  });
});
