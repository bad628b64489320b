// The answers of ctx.input() are typed by the asks (checked by tsc in `npm run lint`, and by vitest's expectTypeOf),
// and the asks are plain data: what `ask.*` builds is what goes on the wire.
import type { ClientCapabilities, CreateMessageResult, Root } from '@modelcontextprotocol/server';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { type ElicitOutcome, type HandlerContext, type InputAnswers, ask } from '../../src/server/index.js';

describe('ask.* and InputAnswers', () => {
  it('types each answer by its ask, under the name it was given', () => {
    const asks = {
      confirm: ask.elicit('Sure?', z.object({ ok: z.boolean(), note: z.string().optional() })),
      raw: ask.elicit('Anything?', { type: 'object', properties: { x: { type: 'string' } } }),
      summary: ask.sample({ messages: [], maxTokens: 1 }),
      roots: ask.roots(),
    };
    type A = InputAnswers<typeof asks>;
    expectTypeOf<A['confirm']>().toEqualTypeOf<ElicitOutcome<{ ok: boolean; note?: string | undefined }>>();
    expectTypeOf<A['raw']>().toEqualTypeOf<ElicitOutcome<Record<string, unknown>>>();
    expectTypeOf<A['summary']>().toEqualTypeOf<CreateMessageResult>();
    expectTypeOf<A['roots']>().toEqualTypeOf<Root[]>();
    expectTypeOf<HandlerContext['clientCapabilities']>().toEqualTypeOf<ClientCapabilities>();
    expectTypeOf<HandlerContext['roots']>().returns.resolves.toEqualTypeOf<Root[]>();
  });

  it('builds plain data for each kind', () => {
    const schema = z.object({ ok: z.boolean() });
    expect(ask.elicit('Sure?', schema)).toEqual({ kind: 'elicit', message: 'Sure?', schema });
    expect(ask.sample({ messages: [], maxTokens: 5 })).toEqual({ kind: 'sample', params: { messages: [], maxTokens: 5 } });
    expect(ask.roots()).toEqual({ kind: 'roots' });
  });
});
