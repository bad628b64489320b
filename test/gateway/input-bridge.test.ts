// 2026-era callers of a 2025-era mcplex upstream over stdio: the upstream's elicitations become input_required rounds,
// each held call is found by the id the gateway gave it (so concurrent callers never get each other's questions),
// and a requestState the gateway did not mint for this call is refused with -32602.
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capturingLogger } from '../helpers/logger.js';
import { tsxArgs } from '../helpers/process.js';
import { type RunningGateway, startGateway, stdio, text } from './helpers/harness.js';

const TOOL = 'fx__test_input_required_result_elicitation';
let gw: RunningGateway;
const logger = capturingLogger();

/** `failed` with what the gateway logged meanwhile (its upstream's exits and restarts, its stderr): why, if this ever fails. */
function withGatewayLog(failed: unknown): Error {
  const said = logger.entries.filter((e) => e.level !== 'debug').map((e) => `${e.level} ${e.msg ?? ''} ${String(JSON.stringify(e.obj))}`);
  return new Error(`${failed instanceof Error ? failed.message : String(failed)}\n--- the gateway's log (info and above, the last 40) ---\n${said.slice(-40).join('\n') || '(none)'}`, { cause: failed });
}

beforeAll(async () => {
  gw = await startGateway([stdio('fx', process.execPath, tsxArgs('test/conformance/fixture-stdio.ts'))], { logger });
}, 60_000);
afterAll(async () => {
  await gw?.close();
}, 30_000);

/** A 2026-era client that answers elicitations with `name`, once `gate` opens. */
async function caller(name: string, gate: Promise<void>, asked: () => void): Promise<Client> {
  return gw.connect('modern', {
    options: { capabilities: { elicitation: { form: {} } } },
    setup: (c) =>
      c.setRequestHandler('elicitation/create', async () => {
        asked();
        await gate;
        return { action: 'accept', content: { name } };
      }),
  });
}

describe('input rounds bridged for 2026-era callers', () => {
  it('two callers asked at the same time each answer their own call', async () => {
    let open!: () => void;
    const gate = new Promise<void>((r) => {
      open = r;
    });
    let waiting = 0;
    const asked = () => {
      // Both calls are held upstream, each waiting for its own answer, before either is answered.
      if (++waiting === 2) open();
    };
    const [alice, bob] = await Promise.all([caller('Alice', gate, asked), caller('Bob', gate, asked)]);
    const [a, b] = await Promise.all([alice.callTool({ name: TOOL, arguments: {} }), bob.callTool({ name: TOOL, arguments: {} })]).catch((err: unknown) => {
      throw withGatewayLog(err);
    });
    expect([text(a), text(b)]).toEqual(['Hello, Alice!', 'Hello, Bob!']);
  });

  it('refuses a requestState it did not mint, and keeps serving', async () => {
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28' };
    const _meta = {
      'io.modelcontextprotocol/protocolVersion': '2026-07-28',
      'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
      'io.modelcontextprotocol/clientCapabilities': { elicitation: { form: {} } },
    };
    const call = async (extra: Record<string, unknown>) => {
      const body = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: TOOL, arguments: {}, _meta, ...extra } };
      const res = await fetch(gw.url, { method: 'POST', headers: { ...headers, 'mcp-method': 'tools/call', 'mcp-name': TOOL }, body: JSON.stringify(body) });
      const raw = await res.text();
      // A JSON body, or an SSE stream whose answer may follow notifications (the answer is the message with an id).
      const messages = raw.startsWith('{') ? [raw] : raw.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6));
      const answer = messages.map((m) => JSON.parse(m) as { id?: number }).find((m) => m.id === 1);
      if (!answer) throw withGatewayLog(`no answer to request 1 in HTTP ${res.status} ${raw}`);
      return answer as { result?: { resultType?: string; requestState?: string; inputRequests?: Record<string, unknown> }; error?: { code: number } };
    };
    const first = await call({});
    if (first.result?.resultType !== 'input_required') throw withGatewayLog(`expected an input_required round, got ${JSON.stringify(first)}`);
    expect(Object.keys(first.result?.inputRequests ?? {})).toEqual(['user_name']);
    const state = first.result!.requestState!;
    const answer = { inputResponses: { user_name: { action: 'accept', content: { name: 'Eve' } } } };
    expect((await call({ ...answer, requestState: `${state}-TAMPERED` })).error?.code).toBe(-32602);
    expect((await call({ ...answer, requestState: 'mcplex.bridge.never-minted' })).error?.code).toBe(-32602);
    // The genuine state still resumes its call, once.
    const done = await call({ ...answer, requestState: state });
    expect(done.result?.resultType).toBe('complete');
    expect((await call({ ...answer, requestState: state })).error?.code).toBe(-32602);
  });
});
