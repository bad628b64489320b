// The 2026-07-28 wire of ctx.input(), round by round (SDK client pinned, manual mode): named input requests in one
// input_required result, partial answers kept in requestState, and bad inputResponses refused with -32602.
import { Client, InMemoryTransport, ProtocolError } from '@modelcontextprotocol/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ErrorCode } from '../../src/core/index.js';
import type { McplexServer } from '../../src/server/index.js';
import { ALL_CAPS, buildInputServer, type InputSeen, ROOTS, textOf } from './input-fixture.js';

let server: McplexServer;
let seen: InputSeen;
let client: Client;

const Loose = z.looseObject({});
type Round = { resultType?: string; inputRequests?: Record<string, { method: string; params?: Record<string, unknown> }>; requestState?: string; content?: unknown };

beforeEach(async () => {
  ({ server, seen } = buildInputServer());
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const handle = server.serveStdio({ transport: serverSide });
  client = new Client(
    { name: 'manual', version: '1.0.0' },
    { capabilities: ALL_CAPS, versionNegotiation: { mode: { pin: '2026-07-28' } }, inputRequired: { autoFulfill: false } },
  );
  const close = client.close.bind(client);
  client.close = async () => {
    await close();
    await handle.close();
  };
  await client.connect(clientSide);
});
afterEach(async () => {
  await client.close();
});

const call = (name: string, extra: Record<string, unknown> = {}) =>
  client.request({ method: 'tools/call', params: { name, arguments: {}, ...extra } }, Loose, { allowInputRequired: true }) as Promise<Round>;
const NAME = { action: 'accept', content: { name: 'Ada' } };
const GREETING = { role: 'assistant', model: 'm', content: { type: 'text', text: 'Hi' } };

describe('2026-07-28 input rounds on the wire', () => {
  it('one input_required result carries every input under the name the handler gave it', async () => {
    const round1 = await call('trip');
    expect(round1.resultType).toBe('input_required');
    expect(round1.inputRequests).toEqual({
      user_name: {
        method: 'elicitation/create',
        params: { mode: 'form', message: 'What is your name?', requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } },
      },
      greeting: {
        method: 'sampling/createMessage',
        params: { messages: [{ role: 'user', content: { type: 'text', text: 'Generate a greeting' } }], maxTokens: 50 },
      },
      client_roots: { method: 'roots/list' },
    });
    expect(round1.requestState).toEqual(expect.any(String));
  });

  it('answers given so far are kept: the next round asks only for the missing input', async () => {
    const round1 = await call('trip');
    const round2 = await call('trip', { inputResponses: { user_name: NAME, greeting: GREETING }, requestState: round1.requestState });
    expect(round2.resultType).toBe('input_required');
    expect(Object.keys(round2.inputRequests ?? {})).toEqual(['client_roots']);
    const done = await call('trip', { inputResponses: { client_roots: { roots: ROOTS } }, requestState: round2.requestState });
    expect(done.inputRequests).toBeUndefined();
    expect(textOf(done)).toBe('Hi Ada; roots: file:///work/project');
    expect(seen.runs.trip).toBe(3);
  });

  it('an answer under a name nobody asked for is ignored and the input is asked for again', async () => {
    const round = await call('roots', { inputResponses: { wrong_key: { roots: ROOTS } } });
    expect(round.resultType).toBe('input_required');
    expect(Object.values(round.inputRequests ?? {})).toEqual([{ method: 'roots/list' }]);
  });

  it('an answer of the wrong kind is -32602 naming inputResponses.<name>', async () => {
    const err = await call('trip', { inputResponses: { user_name: GREETING } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err).toMatchObject({ code: ErrorCode.InvalidParams, data: { field: 'inputResponses.user_name' } });
    expect((err as Error).message).toContain('inputResponses.user_name: expected an elicitation result');
  });

  it('a root that is not a file:// URI is -32602 naming its field', async () => {
    const err = await call('roots', { inputResponses: { 'mcplex.input.0': { roots: [{ uri: 'https://example.com/' }] } } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err).toMatchObject({ code: ErrorCode.InvalidParams, data: { field: 'inputResponses.mcplex.input.0.roots[0].uri' } });
  });

  it('ctx.clientCapabilities reads the request envelope, so each request can declare differently', async () => {
    const caps = await client.request(
      { method: 'tools/call', params: { name: 'caps', arguments: {}, _meta: { 'io.modelcontextprotocol/clientCapabilities': { sampling: {} } } } },
      Loose,
    );
    expect(caps.structuredContent).toEqual({ caps: { sampling: {} } });
    const round = await call('polite', { _meta: { 'io.modelcontextprotocol/clientCapabilities': { sampling: {} } } });
    expect(Object.values(round.inputRequests ?? {}).map((r) => r.method)).toEqual(['sampling/createMessage']);
  });
});
