// 2026-07-28 multi-round-trip input (MRTR) through connectInMemory: two sequential elicits replayed from the
// signed requestState, decline, sampling, and the raw input_required rounds (tampered state is refused).
import { Client, type ElicitResult, InMemoryTransport, ProtocolError } from '@modelcontextprotocol/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { connectInMemory, type McplexServer } from '../../src/server/index.js';
import { buildServer, type Observed } from './features-fixture.js';

let server: McplexServer;
let seen: Observed;
const clients: Client[] = [];

beforeEach(() => {
  ({ server, seen } = buildServer());
});
afterEach(async () => {
  await Promise.allSettled(clients.splice(0).map((c) => c.close()));
});

async function modernClient(capabilities: Record<string, unknown>): Promise<Client> {
  const client = await connectInMemory(server, { era: 'modern', capabilities });
  clients.push(client);
  expect(client.getProtocolEra()).toBe('modern');
  return client;
}

const Loose = z.looseObject({});
type Round = { resultType?: string; inputRequests?: Record<string, { method: string; params: { message?: string } }>; requestState?: string; content?: unknown };

describe('2026-07-28 multi-round-trip input', () => {
  it('two sequential elicits: each question asked once, the first answer replayed on the re-run', async () => {
    const client = await modernClient({ elicitation: { form: {} } });
    const asked: string[] = [];
    client.setRequestHandler('elicitation/create', async (req): Promise<ElicitResult> => {
      asked.push(req.params.message);
      return req.params.message === 'Your name?' ? { action: 'accept', content: { name: 'Ada' } } : { action: 'accept', content: { ok: true } };
    });
    const r = await client.callTool({ name: 'two_questions', arguments: {} });
    expect(r.content).toEqual([{ type: 'text', text: 'hello Ada, ok=true' }]);
    expect(asked).toEqual(['Your name?', 'Really Ada?']);
    // Round 1 asks for the name, round 2 (answer 1 supplied) asks to confirm, round 3 replays both and finishes.
    expect(seen.twoQuestionRuns).toBe(3);
  });

  it('a declined elicitation reaches the handler as decline', async () => {
    const client = await modernClient({ elicitation: { form: {} } });
    client.setRequestHandler('elicitation/create', async () => ({ action: 'decline' }));
    const r = await client.callTool({ name: 'two_questions', arguments: {} });
    expect(r.content).toEqual([{ type: 'text', text: 'no name (decline)' }]);
    expect(seen.twoQuestionRuns).toBe(2);
  });

  it('declining the second question keeps the replayed first answer', async () => {
    const client = await modernClient({ elicitation: { form: {} } });
    client.setRequestHandler('elicitation/create', async (req): Promise<ElicitResult> =>
      req.params.message === 'Your name?' ? { action: 'accept', content: { name: 'Alan' } } : { action: 'cancel' },
    );
    const r = await client.callTool({ name: 'two_questions', arguments: {} });
    expect(r.content).toEqual([{ type: 'text', text: 'not confirmed (cancel)' }]);
  });

  it('a client without the elicitation capability gets MissingRequiredClientCapability (-32021) from the SDK', async () => {
    const client = await modernClient({});
    const err = await client.callTool({ name: 'two_questions', arguments: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err).toMatchObject({ code: -32021 });
  });

  it('samples through an input_required sampling/createMessage round', async () => {
    const client = await modernClient({ sampling: {} });
    let calls = 0;
    client.setRequestHandler('sampling/createMessage', async (req) => {
      calls++;
      const first = req.params.messages[0]!.content as { type: 'text'; text: string };
      return { role: 'assistant', model: 'modern-model', content: { type: 'text', text: `<${first.text}>` } };
    });
    const r = await client.callTool({ name: 'summarize', arguments: { text: 'abc' } });
    expect(r.content).toEqual([{ type: 'text', text: 'summary: <Summarize: abc> (modern-model)' }]);
    expect(calls).toBe(1);
  });

  describe('raw rounds (manual mode)', () => {
    async function manualClient(): Promise<Client> {
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
      const handle = server.serveStdio({ transport: serverSide });
      const client = new Client(
        { name: 'manual', version: '1.0.0' },
        { capabilities: { elicitation: { form: {} } }, versionNegotiation: { mode: { pin: '2026-07-28' } }, inputRequired: { autoFulfill: false } },
      );
      const close = client.close.bind(client);
      client.close = async () => {
        await close();
        await handle.close();
      };
      clients.push(client);
      await client.connect(clientSide);
      return client;
    }
    const call = (client: Client, extra: Record<string, unknown> = {}) =>
      client.request({ method: 'tools/call', params: { name: 'two_questions', arguments: {}, ...extra } }, Loose, { allowInputRequired: true }) as Promise<Round>;

    it('returns input_required with a signed requestState, and accepts the answer on retry', async () => {
      const client = await manualClient();
      const round1 = await call(client);
      expect(round1.resultType).toBe('input_required');
      const [key, request] = Object.entries(round1.inputRequests ?? {})[0]!;
      expect(request).toMatchObject({ method: 'elicitation/create', params: { message: 'Your name?' } });
      expect(round1.requestState).toEqual(expect.any(String));

      const round2 = await call(client, {
        inputResponses: { [key]: { action: 'accept', content: { name: 'Ada' } } },
        requestState: round1.requestState,
      });
      expect(round2.resultType).toBe('input_required');
      expect(Object.values(round2.inputRequests ?? {})[0]).toMatchObject({ params: { message: 'Really Ada?' } });
      expect(round2.requestState).not.toBe(round1.requestState);
    });

    it('refuses a tampered requestState', async () => {
      const client = await manualClient();
      const round1 = await call(client);
      const [key] = Object.keys(round1.inputRequests ?? {});
      const state = round1.requestState!;
      const tampered = state.slice(0, -2) + (state.endsWith('AA') ? 'BB' : 'AA');
      const outcome = await call(client, { inputResponses: { [key!]: { action: 'accept', content: { name: 'Eve' } } }, requestState: tampered }).then(
        (r) => r,
        (e: unknown) => e,
      );
      expect(JSON.stringify(outcome)).not.toContain('Really Eve');
      expect(outcome).toBeInstanceOf(ProtocolError);
      expect((outcome as ProtocolError).message).toMatch(/Invalid or expired requestState/);
      expect(seen.twoQuestionRuns).toBe(1); // the handler never re-ran with the forged state
    });
  });
});
