// Each caller's own client capabilities through the gateway: carried per request to 2026-era upstreams, what the
// gateway can relay declared to 2025-era ones, and an input request the caller did not declare refused with the
// spec's error. Also the 2026 wire details the suite checks: unknown methods are HTTP 404, a missing resource names its URI.
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modernMeta, post, rpcMessage } from '../helpers/http.js';
import { everything, http, relayUpstream, type RunningGateway, startGateway, text } from './helpers/harness.js';
import { type RawUpstream, startRawUpstream } from './helpers/raw-modern-upstream.js';

const CAPS = 'io.modelcontextprotocol/clientCapabilities';
let raw: RawUpstream;
let pinned: RawUpstream;
let gw: RunningGateway;
const asked: string[] = [];

beforeAll(async () => {
  [raw, pinned] = await Promise.all([startRawUpstream(), startRawUpstream()]);
  gw = await startGateway([everything(), relayUpstream(), http('raw', raw.url), http('old', pinned.url, { protocol: '2025-11-25' })]);
}, 60_000);
afterAll(async () => {
  await gw?.close();
  await Promise.all([raw?.close(), pinned?.close()]);
}, 30_000);

/** A caller that answers elicitation and sampling when it declares them, and records what it was asked. */
function caller(era: 'legacy' | 'modern', capabilities: Record<string, unknown>): Promise<Client> {
  return gw.connect(era, {
    options: { capabilities },
    setup: (c) => {
      if ('elicitation' in capabilities) {
        c.setRequestHandler('elicitation/create', async (req) => {
          asked.push(req.method);
          return { action: 'accept', content: { name: 'Ada' } };
        });
      }
      if ('sampling' in capabilities) {
        c.setRequestHandler('sampling/createMessage', async (req) => {
          asked.push(req.method);
          return { model: 'm', role: 'assistant', content: { type: 'text', text: 'hi' } };
        });
      }
    },
  });
}

const callError = async (c: Client, name: string, args: Record<string, unknown> = {}) =>
  c.callTool({ name, arguments: args }).then(
    (r) => ({ code: undefined, message: `no error: ${JSON.stringify(r)}`, data: undefined }),
    (e: { code?: number; message: string; data?: unknown }) => ({ code: e.code, message: e.message, data: e.data }),
  );

describe('toward a 2026-era upstream, each request carries its caller’s capabilities', () => {
  it.each([
    ['modern', { elicitation: { form: {} } }, { elicitation: { form: {} } }],
    ['modern', {}, {}],
    ['legacy', { sampling: {}, elicitation: {} }, { sampling: {}, elicitation: { form: {} } }],
    ['legacy', {}, {}],
  ] as const)('a %s caller declaring %j is seen upstream as %j', async (era, declared, expected) => {
    const c = await caller(era, declared);
    raw.seen.length = 0;
    expect(text(await c.callTool({ name: 'raw__plain', arguments: {} }))).toBe('plain (modern)');
    const call = raw.seen.find((s) => s.method === 'tools/call');
    expect(call?.capabilities).toEqual(expected);
    expect((call?.params._meta as Record<string, unknown> | undefined)?.[CAPS]).toEqual(expected);
  });
});

describe('an input request the caller did not declare is refused with -32021, nobody is asked; one who declared it is', () => {
  it.each(['modern', 'legacy'] as const)('%s caller, 2026-era upstream elicits', async (era) => {
    const without = await caller(era, { sampling: {} });
    asked.length = 0;
    // The upstream refuses by itself, now that it sees what this caller declared.
    const err = await callError(without, 'fw__ask', { question: 'Who?' });
    expect(err.code).toBe(-32021);
    expect(err.data).toMatchObject({ requiredCapabilities: { elicitation: expect.anything() } });
    expect(asked).toEqual([]);
    const withIt = await caller(era, { elicitation: { form: {} } });
    expect(text(await withIt.callTool({ name: 'fw__ask', arguments: { question: 'Who?' } }))).toBe('hello Ada (modern)');
    expect(asked).toEqual(['elicitation/create']);
  });

  it.each(['modern', 'legacy'] as const)('%s caller, 2026-era upstream that asks whatever was declared: the gateway refuses', async (era) => {
    const without = await caller(era, { sampling: {} });
    asked.length = 0;
    const err = await callError(without, 'raw__asks');
    expect(err.code).toBe(-32021);
    expect(err.message).toBe('elicitation/create refused: the calling client did not declare the elicitation capability (form mode)');
    expect(err.data).toEqual({ requiredCapabilities: { elicitation: { form: {} } } });
    expect(asked).toEqual([]);
    const withIt = await caller(era, { elicitation: { form: {} } });
    expect(text(await withIt.callTool({ name: 'raw__asks', arguments: {} }))).toContain('answered');
    expect(asked).toEqual(['elicitation/create']);
  });

  it('legacy caller, 2025-era upstream samples: a clear error to the upstream, the caller is not asked', async () => {
    const without = await caller('legacy', { elicitation: { form: {} } });
    asked.length = 0;
    const args = { prompt: 'hello', maxTokens: 7 };
    const refused = await without.callTool({ name: 'ev__trigger-sampling-request', arguments: args }).then(
      (r) => JSON.stringify(r),
      (e: Error) => e.message,
    );
    expect(refused).toContain('sampling/createMessage refused: the calling client did not declare the sampling capability');
    expect(asked).toEqual([]);
    const withIt = await caller('legacy', { sampling: {} });
    await withIt.callTool({ name: 'ev__trigger-sampling-request', arguments: args });
    expect(asked).toEqual(['sampling/createMessage']);
  });
});

it('a 2025-era upstream is told only what the gateway can relay (no roots.listChanged: roots changes are never relayed)', async () => {
  const init = pinned.seen.find((s) => s.method === 'initialize');
  expect(init?.params.protocolVersion).toBe('2025-11-25');
  expect(init?.capabilities).toEqual({ elicitation: { form: {}, url: {} }, sampling: {}, roots: {} });
});

it('an unknown method on the 2026 HTTP path is HTTP 404 with -32601', async () => {
  const res = await post(gw.url, { jsonrpc: '2.0', id: 7, method: 'no/such', params: { _meta: modernMeta() } }, { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'no/such' });
  expect(res.status).toBe(404);
  expect(rpcMessage(res)).toMatchObject({ id: 7, error: { code: -32601, message: 'Method not found: no/such' } });
});

it.each(['modern', 'legacy'] as const)('a %s caller reading a URI no server has gets -32602 with data.uri', async (era) => {
  const c = await gw.connect(era);
  const err = await c.readResource({ uri: 'nowhere://x' }).then(
    () => undefined,
    (e: { code: number; message: string; data?: unknown }) => e,
  );
  expect(err).toMatchObject({ code: -32602, data: { uri: 'nowhere://x' } });
  expect(err?.message).toContain('Resource not found: nowhere://x');
});
