// Elicitation and sampling through the gateway: a 2025-era upstream's requests relayed to a 2025-era caller, a
// 2026-era upstream's input_required passed through to a 2026-era caller and bridged into real requests for a 2025
// one, and a 2025-era upstream's requests turned into input_required rounds for a 2026 caller.
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { everything, relayUpstream, type RunningGateway, startGateway, text, type WireMessage } from './helpers/harness.js';

const CAPS = { capabilities: { elicitation: { form: {} }, sampling: {} } };

describe.each(['legacy', 'modern'] as const)('%s caller', (era) => {
  let gw: RunningGateway;
  let client: Client;
  const wire: WireMessage[] = [];
  const asked: Array<{ method: string; params: Record<string, unknown> }> = [];
  let answers: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    gw = await startGateway([everything(), relayUpstream()]);
    client = await gw.connect(era, {
      options: CAPS,
      wire,
      setup: (c) => {
        c.setRequestHandler('elicitation/create', async (req) => {
          asked.push({ method: req.method, params: req.params as Record<string, unknown> });
          return (answers.shift() ?? { action: 'cancel' }) as never;
        });
        c.setRequestHandler('sampling/createMessage', async (req) => {
          asked.push({ method: req.method, params: req.params as Record<string, unknown> });
          return { model: `model-for-${era}`, role: 'assistant', content: { type: 'text', text: 'forty-two' } };
        });
      },
    });
  }, 60_000);
  afterAll(async () => {
    await gw?.close();
  }, 30_000);

  const reset = (next: Array<Record<string, unknown>>) => {
    asked.length = 0;
    wire.length = 0;
    answers = next;
  };

  it('2026-era upstream elicitation reaches the caller and the answer reaches the upstream handler', async () => {
    reset([{ action: 'accept', content: { name: 'Ada' } }]);
    expect(text(await client.callTool({ name: 'fw__ask', arguments: { question: 'Who are you?' } }))).toBe('hello Ada (modern)');
    expect(asked).toEqual([
      {
        method: 'elicitation/create',
        params: {
          mode: 'form',
          message: 'Who are you?',
          requestedSchema: { type: 'object', properties: { name: { type: 'string', description: 'Your name' } }, required: ['name'] },
        },
      },
    ]);
    // How it travelled: a 2026 caller got the upstream's input_required (with its opaque requestState) and retried;
    // a 2025 caller got a real elicitation/create request from the gateway on its session.
    const inputRequired = wire.filter((m) => m.result?.resultType === 'input_required');
    const requests = wire.filter((m) => m.method === 'elicitation/create');
    if (era === 'modern') {
      expect(inputRequired).toHaveLength(1);
      expect(typeof inputRequired[0]?.result?.requestState).toBe('string');
      expect(Object.values(inputRequired[0]?.result?.inputRequests as object).map((r) => (r as { method: string }).method)).toEqual(['elicitation/create']);
      expect(requests).toEqual([]);
    } else {
      expect(inputRequired).toEqual([]);
      expect(requests).toHaveLength(1);
    }
  });

  it('several rounds of input, and a declined one', async () => {
    reset([
      { action: 'accept', content: { v: 'one' } },
      { action: 'accept', content: { v: 'two' } },
    ]);
    expect(text(await client.callTool({ name: 'fw__ask_twice', arguments: {} }))).toBe('one+two');
    expect(asked.map((a) => a.params.message)).toEqual(['first?', 'second?']);
    reset([{ action: 'decline' }]);
    expect(text(await client.callTool({ name: 'fw__ask', arguments: { question: 'Name?' } }))).toBe('no answer: decline (modern)');
  });

  it('2026-era upstream sampling reaches the caller', async () => {
    reset([]);
    expect(text(await client.callTool({ name: 'fw__sample', arguments: { prompt: 'meaning of life' } }))).toBe(`model model-for-${era} said forty-two`);
    expect(asked).toEqual([{ method: 'sampling/createMessage', params: { messages: [{ role: 'user', content: { type: 'text', text: 'meaning of life' } }], maxTokens: 20 } }]);
  });

  it('server-everything’s elicitation request is relayed to the caller and its answer back', async () => {
      reset([{ action: 'accept', content: { name: 'Grace Hopper', check: true } }]);
      const result = await client.callTool({ name: 'ev__trigger-elicitation-request', arguments: {} });
      expect(asked).toHaveLength(1);
      const [request] = asked;
      expect(request?.params.message).toBe('Please provide inputs for the following fields:');
      expect((request?.params.requestedSchema as { required?: string[] } | undefined)?.required).toEqual(['name']);
      const texts = (result.content as Array<{ text: string }>).map((c) => c.text);
      expect(texts[0]).toBe('✅ User provided the requested information!');
      expect(texts[1]).toContain('- Name: Grace Hopper');
  });

  it('server-everything’s sampling request is relayed to the caller and its answer back', async () => {
      reset([]);
      const result = await client.callTool({ name: 'ev__trigger-sampling-request', arguments: { prompt: 'hello', maxTokens: 7 } });
      expect(asked).toEqual([
        {
          method: 'sampling/createMessage',
          params: {
            messages: [{ role: 'user', content: { type: 'text', text: 'Resource trigger-sampling-request context: hello' } }],
            systemPrompt: 'You are a helpful test server.',
            maxTokens: 7,
            temperature: 0.7,
          },
        },
      ]);
      const body = JSON.parse(text(result).replace(/^LLM sampling result: \n/, ''));
      expect(body).toEqual({ model: `model-for-${era}`, role: 'assistant', content: { type: 'text', text: 'forty-two' } });
  });

  if (era === 'modern') {
    it('a 2025-era upstream’s request reaches a 2026 caller as an input_required round under a requestState the gateway minted', async () => {
      reset([{ action: 'accept', content: { name: 'Ada Lovelace', check: true } }]);
      await client.callTool({ name: 'ev__trigger-elicitation-request', arguments: {} });
      const rounds = wire.filter((m) => m.result?.resultType === 'input_required');
      expect(rounds).toHaveLength(1);
      const round = rounds[0]!.result as { inputRequests: Record<string, { method: string }>; requestState: string };
      expect(Object.values(round.inputRequests).map((r) => r.method)).toEqual(['elicitation/create']);
      expect(round.requestState.startsWith('mcplex.bridge.')).toBe(true);
    });
  }
});
