// Malformed and hostile JSON-RPC over HTTP, sent raw to an in-process serveHttp: each gets the right status
// and JSON-RPC error, and after every test both eras still serve a normal call.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { modernMeta, openSession, post, rawRequest, rpcMessage, rpcMessages } from '../helpers/http.js';
import { waitUntil } from '../helpers/process.js';
import { type InProcess, STILL_SERVING, startInProcess } from '../helpers/clients.js';

let srv: InProcess;
let session: Record<string, string>;
let oldSession: Record<string, string>;

beforeAll(async () => {
  srv = await startInProcess();
  session = await openSession(srv.url, '2025-11-25');
  oldSession = await openSession(srv.url, '2025-03-26');
});
afterAll(() => srv?.close());
afterEach(async () => {
  expect(await srv.stillServing()).toEqual(STILL_SERVING);
});

const call = (id: number, name: string, args: unknown, meta?: Record<string, unknown>) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, arguments: args, ...(meta && { _meta: meta }) },
});
const modernHeaders = (method: string, name?: string) => ({
  'mcp-protocol-version': '2026-07-28',
  'mcp-method': method,
  ...(name && { 'mcp-name': name }),
});

describe('malformed JSON and JSON-RPC', () => {
  it.each([
    ['truncated', '{"jsonrpc":'],
    ['garbage', 'not json at all'],
    ['empty body', ''],
  ])('invalid JSON (%s) → HTTP 400, -32700, id null', async (_label, body) => {
    for (const headers of [{}, session]) {
      const res = await post(srv.url, body, headers);
      expect(res.status).toBe(400);
      expect(rpcMessage(res)).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700 } });
    }
  });

  it.each([
    ['object without jsonrpc', { foo: 1 }],
    ['a string', 'hi'],
    ['null', null],
    ['wrong version', { jsonrpc: '1.0', id: 1, method: 'tools/list' }],
    ['method not a string', { jsonrpc: '2.0', id: 1, method: 42 }],
  ])('valid JSON that is not JSON-RPC (%s) → HTTP 400, -32600', async (_label, value) => {
    for (const headers of [{}, session]) {
      const res = await post(srv.url, JSON.stringify(value), headers);
      expect(res.status).toBe(400);
      const msg = rpcMessage(res);
      expect(msg.error?.code).toBe(-32600);
      // The SDK echoes the id when it can read one (e.g. a wrong `jsonrpc` version), otherwise null.
      expect([null, 1]).toContain(msg.id);
    }
  });

  // The SDK's reader drops what its (strict) schemas refuse without an answer: such a request would wait forever.
  it.each([
    ['a fractional id', { jsonrpc: '2.0', id: 1.5, method: 'tools/list' }, 1.5, 'the id must be a string or an integer'],
    ['a member JSON-RPC does not have', { jsonrpc: '2.0', id: 9, method: 'tools/list', extra: true }, 9, 'unknown member "extra"'],
    ['a _meta that is not an object', { jsonrpc: '2.0', id: 10, method: 'tools/list', params: { _meta: 'x' } }, 10, 'params._meta must be an object'],
    ['a progress token that is an object', call(11, 'echo', { text: 'a' }, { progressToken: {} }), 11, 'params._meta.progressToken must be a string or an integer'],
    ['a related task without a taskId', call(12, 'echo', { text: 'a' }, { 'io.modelcontextprotocol/related-task': {} }), 12, 'must be an object with a string taskId'],
  ])('in a 2025 session, a request the SDK would leave unanswered (%s) → 400, -32600 saying why, with its id', async (_label, value, id, says) => {
    for (const headers of [session, oldSession]) {
      const res = await post(srv.url, value, headers);
      expect(res.status).toBe(400);
      expect(rpcMessage(res)).toEqual({ jsonrpc: '2.0', id, error: { code: -32600, message: expect.stringContaining(says) } });
      expect(rpcMessage(res).error?.message).toMatch(/^Invalid Request: /);
    }
  });

  it('in a 2025-03-26 batch, a message the SDK would drop → 400, -32600 (the SDK refuses the batch before a session sees it)', async () => {
    const res = await post(srv.url, [call(1, 'echo', { text: 'one' }), { jsonrpc: '2.0', id: 2.5, method: 'ping' }], oldSession);
    expect(res.status).toBe(400);
    expect(rpcMessage(res)).toEqual({ jsonrpc: '2.0', id: null, error: { code: -32600, message: expect.stringMatching(/invalid message/i) } });
  });

  it.each([
    ['no params', undefined, 'params must be an object with protocolVersion, capabilities and clientInfo'],
    ['no protocol version', { capabilities: {}, clientInfo: { name: 'x', version: '1' } }, 'params.protocolVersion must be a string such as "2025-11-25"'],
    ['no capabilities', { protocolVersion: '2025-11-25', clientInfo: { name: 'x', version: '1' } }, 'params.capabilities must be an object ({} for none)'],
    ['a client without a version', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x' } }, 'params.clientInfo must be an object with a string name and version'],
  ])('an initialize the SDK refuses (%s) → 400, -32602 naming what is wrong, no session', async (_label, params, says) => {
    const res = await post(srv.url, { jsonrpc: '2.0', id: 'init', method: 'initialize', ...(params && { params }) });
    expect(res.status).toBe(400);
    expect(res.headers['mcp-session-id']).toBeUndefined();
    expect(rpcMessage(res)).toEqual({ jsonrpc: '2.0', id: 'init', error: { code: -32602, message: `Invalid params for initialize: ${says}` } });
  });

  it('a request without a session (and not initialize) → 400, -32600 telling the client to initialize', async () => {
    const res = await post(srv.url, { jsonrpc: '2.0', id: 1, method: 'tools/list' });
    expect(res.status).toBe(400);
    expect(rpcMessage(res).error).toMatchObject({ code: -32600, message: expect.stringContaining('initialize') });
  });
});

describe('unknown methods and bad arguments', () => {
  it('unknown method on a 2025 session → -32601 with the request id', async () => {
    const res = await post(srv.url, { jsonrpc: '2.0', id: 7, method: 'no/such', params: {} }, session);
    expect(res.status).toBe(200);
    expect(rpcMessage(res)).toMatchObject({ id: 7, error: { code: -32601 } });
  });

  it('unknown method on 2026-07-28 → -32601 (the SDK also sets HTTP 404)', async () => {
    const res = await post(srv.url, { jsonrpc: '2.0', id: 7, method: 'no/such', params: { _meta: modernMeta() } }, modernHeaders('no/such'));
    expect(res.status).toBe(404);
    expect(rpcMessage(res)).toMatchObject({ id: 7, error: { code: -32601 } });
  });

  it('arguments failing the zod schema → isError result naming the field, both eras', async () => {
    const legacy = rpcMessage(await post(srv.url, call(8, 'echo', { text: 1 }), session));
    const modern = rpcMessage(await post(srv.url, call(8, 'echo', { text: 1 }, modernMeta()), modernHeaders('tools/call', 'echo')));
    for (const msg of [legacy, modern]) {
      expect(msg.id).toBe(8);
      expect(msg.result).toMatchObject({ isError: true, content: [{ type: 'text', text: expect.stringContaining('at text') }] });
    }
  });

  it('arguments that are not an object → -32602 from the SDK request schema, both eras', async () => {
    const legacy = rpcMessage(await post(srv.url, call(9, 'echo', 'oops'), session));
    const modern = rpcMessage(await post(srv.url, call(9, 'echo', 5, modernMeta()), modernHeaders('tools/call', 'echo')));
    for (const msg of [legacy, modern]) expect(msg).toMatchObject({ id: 9, error: { code: -32602 } });
  });

  it('tools/call without a name → -32602', async () => {
    const res = await post(srv.url, { jsonrpc: '2.0', id: 10, method: 'tools/call', params: { arguments: {} } }, session);
    expect(rpcMessage(res)).toMatchObject({ id: 10, error: { code: -32602 } });
  });

  it('unknown tool → -32602, both eras', async () => {
    const legacy = rpcMessage(await post(srv.url, call(11, 'zzz', {}), session));
    const modern = rpcMessage(await post(srv.url, call(11, 'zzz', {}, modernMeta()), modernHeaders('tools/call', 'zzz')));
    for (const msg of [legacy, modern]) expect(msg).toMatchObject({ id: 11, error: { code: -32602, message: 'Unknown tool: zzz' } });
  });

  it('2026-07-28 request without the _meta envelope → 400, -32602', async () => {
    const res = await post(srv.url, { jsonrpc: '2.0', id: 12, method: 'tools/list', params: {} }, modernHeaders('tools/list'));
    expect(res.status).toBe(400);
    expect(rpcMessage(res).error?.code).toBe(-32602);
  });
});

describe('a session closed with a call in flight', () => {
  it('answers the call with -32001 saying the session closed (JSON and streamed answers), instead of an empty response', async () => {
    const mine = await openSession(srv.url);
    const plain = post(srv.url, call(1, 'slow', { ms: 30_000 }), mine);
    // A request with a progress token may be answered as a stream.
    const streamed = post(srv.url, call(2, 'slow', { ms: 30_000 }, { progressToken: 'p' }), mine);
    const sleeping = async () => JSON.stringify(rpcMessage(await post(srv.url, call(3, 'sleeping', {}), session)).result?.content);
    await waitUntil(async () => (await sleeping()) === '[{"type":"text","text":"2"}]', 10_000, 'both calls running');
    const closed = await rawRequest(srv.url, { method: 'DELETE', headers: mine });
    expect(closed.status).toBe(200);
    for (const [id, res] of [[1, await plain], [2, await streamed]] as const) {
      expect(rpcMessages(res)).toEqual([{ jsonrpc: '2.0', id, error: { code: -32001, message: 'Session closed before this request was answered; send initialize to start a new one' } }]);
    }
  });
});

describe('nesting and batches', () => {
  it('deeply nested JSON → 400 with a clear -32600 naming the limit', async () => {
    for (const body of ['['.repeat(100) + ']'.repeat(100), JSON.stringify(call(1, 'echo', { text: 'a', x: JSON.parse('['.repeat(70) + ']'.repeat(70)) }))]) {
      const res = await post(srv.url, body, session);
      expect(res.status).toBe(400);
      expect(rpcMessage(res).error).toEqual({ code: -32600, message: 'JSON nested too deeply: the limit is 64 levels' });
    }
  });

  it('brackets inside strings do not count as nesting', async () => {
    const text = `[{"\\"${'['.repeat(500)}`;
    const res = await post(srv.url, call(2, 'echo', { text }), session);
    expect(rpcMessage(res).result).toMatchObject({ content: [{ type: 'text', text: `echo: ${text}` }] });
  });

  it('a batch on a 2025-11-25 session → 400, -32600', async () => {
    const batch = [
      { jsonrpc: '2.0', id: 1, method: 'tools/list' },
      { jsonrpc: '2.0', id: 2, method: 'tools/list' },
    ];
    const res = await post(srv.url, batch, session);
    expect(res.status).toBe(400);
    expect(rpcMessage(res).error).toMatchObject({ code: -32600, message: expect.stringContaining('2025-06-18') });
  });

  it('a batch before initialize (and a batched initialize) → 400, -32600', async () => {
    const init = { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-03-26', capabilities: {}, clientInfo: { name: 'x', version: '1' } } };
    for (const batch of [[{ jsonrpc: '2.0', id: 1, method: 'tools/list' }], [init]]) {
      const res = await post(srv.url, batch);
      expect(res.status).toBe(400);
      expect(res.headers['mcp-session-id']).toBeUndefined();
      expect(rpcMessage(res).error?.code).toBe(-32600);
    }
  });

  it('an empty batch → 400, -32600', async () => {
    const res = await post(srv.url, '[]', session);
    expect(res.status).toBe(400);
    expect(rpcMessage(res).error?.code).toBe(-32600);
  });

  it('a batch on a 2025-03-26 session is still served, one answer per request', async () => {
    const batch = [call(1, 'echo', { text: 'one' }), call(2, 'echo', { text: 'two' })];
    const res = await post(srv.url, batch, oldSession);
    expect(res.status).toBe(200);
    const answers = rpcMessages(res).sort((a, b) => Number(a.id) - Number(b.id));
    expect(answers.map((m) => (m.result as { content: Array<{ text: string }> }).content[0]?.text)).toEqual(['echo: one', 'echo: two']);
  });
});
