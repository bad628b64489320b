// A server whose handlers use the input-request API (ctx.input, ctx.roots, ctx.clientCapabilities), and SDK
// client handlers that answer elicitation, sampling and roots/list, shared by the input-*.test.ts files.
import type { Client, ElicitResult } from '@modelcontextprotocol/client';
import { z } from 'zod';
import { silentLogger } from '../../src/core/index.js';
import { ask, createServer, type McplexServer } from '../../src/server/index.js';

export interface InputSeen {
  /** How often each handler ran (2026-era rounds re-run it). */
  runs: Record<string, number>;
}

const text = (t: string) => ({ content: [{ type: 'text' as const, text: t }] });

export function buildInputServer(): { server: McplexServer; seen: InputSeen } {
  const seen: InputSeen = { runs: {} };
  const ran = (name: string) => {
    seen.runs[name] = (seen.runs[name] ?? 0) + 1;
  };
  const server = createServer({ name: 'inputs', version: '1.0.0', logger: silentLogger });

  // Three kinds of input in one round, each under its own name; the answers are typed by the asks.
  server.tool('trip', { description: 'Asks for a name, a greeting and the roots at once' }, async (_args, ctx) => {
    ran('trip');
    const a = await ctx.input({
      user_name: ask.elicit('What is your name?', z.object({ name: z.string() })),
      greeting: ask.sample({ messages: [{ role: 'user', content: { type: 'text', text: 'Generate a greeting' } }], maxTokens: 50 }),
      client_roots: ask.roots(),
    });
    const name = a.user_name.action === 'accept' ? a.user_name.content.name : `(${a.user_name.action})`;
    const greeting = a.greeting.content.type === 'text' ? a.greeting.content.text : '?';
    return text(`${greeting} ${name}; roots: ${a.client_roots.map((r) => r.uri).join(', ')}`);
  });

  server.tool('roots', { description: 'Lists the client roots' }, async (_args, ctx) => {
    ran('roots');
    const roots = await ctx.roots();
    return text(roots.map((r) => `${r.name ?? '-'}=${r.uri}`).join(' '));
  });

  server.tool('caps', { description: 'Returns the declared client capabilities' }, (_args, ctx) => ({
    content: [],
    structuredContent: { caps: ctx.clientCapabilities },
  }));

  // Asks only for what the caller can answer.
  server.tool('polite', { description: 'Elicits when it can, samples otherwise' }, async (_args, ctx) => {
    ran('polite');
    if (ctx.clientCapabilities.elicitation) {
      const { q } = await ctx.input({ q: ask.elicit('Your name?', z.object({ name: z.string() })) });
      return text(q.action === 'accept' ? `asked: ${q.content.name}` : q.action);
    }
    const { q } = await ctx.input({ q: ask.sample({ messages: [{ role: 'user', content: { type: 'text', text: 'A name?' } }], maxTokens: 5 }) });
    return text(`sampled: ${q.content.type === 'text' ? q.content.text : '?'}`);
  });

  // Two rounds that reuse the same name: the answer to the first must not answer the second.
  server.tool('twice', { description: 'Asks to confirm twice' }, async (_args, ctx) => {
    ran('twice');
    const first = await ctx.input({ confirm: ask.elicit('First?', z.object({ ok: z.boolean() })) });
    const second = await ctx.input({ confirm: ask.elicit('Second?', z.object({ ok: z.boolean() })) });
    const ok = (o: typeof first.confirm) => (o.action === 'accept' ? String(o.content.ok) : o.action);
    return text(`first=${ok(first.confirm)} second=${ok(second.confirm)}`);
  });

  // Input on a request that is not a tool call.
  server.prompt('with_context', { description: 'Asks for context first' }, async (_args, ctx) => {
    const { user_context } = await ctx.input({ user_context: ask.elicit('What context?', z.object({ context: z.string() })) });
    const context = user_context.action === 'accept' ? user_context.content.context : 'none';
    return { messages: [{ role: 'user', content: { type: 'text', text: `Use ${context}` } }] };
  });
  return { server, seen };
}

export const ALL_CAPS = { elicitation: { form: {} }, sampling: {}, roots: {} };
export const ROOTS = [{ uri: 'file:///work/project', name: 'project' }];

/** What the client side saw, in order. */
export interface Answered {
  asked: string[];
}

/** Answers the kinds of input request `caps` declares, as a user and an LLM would; records what was asked. */
export function answerAll(client: Client, caps: Record<string, unknown> = ALL_CAPS, name = 'Ada'): Answered {
  const seen: Answered = { asked: [] };
  if (caps.elicitation) client.setRequestHandler('elicitation/create', async (req): Promise<ElicitResult> => {
    const message = (req.params as { message: string }).message;
    seen.asked.push(`elicit:${message}`);
    if (message === 'First?') return { action: 'accept', content: { ok: true } };
    if (message === 'Second?') return { action: 'decline' };
    if (message === 'What context?') return { action: 'accept', content: { context: 'the repo' } };
    return { action: 'accept', content: { name } };
  });
  if (caps.sampling) client.setRequestHandler('sampling/createMessage', async () => {
    seen.asked.push('sample');
    return { role: 'assistant', model: 'test-model', content: { type: 'text', text: 'Hello' } };
  });
  if (caps.roots) client.setRequestHandler('roots/list', async () => {
    seen.asked.push('roots');
    return { roots: ROOTS };
  });
  return seen;
}

export function textOf(r: { content?: unknown }): string {
  return ((r.content as Array<{ text?: string }>)[0]?.text ?? '') as string;
}
