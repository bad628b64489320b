// The fixture's tools and prompt for suite 0.2.0-alpha.12's 2026-07-28 scenarios: input-required rounds (SEP-2322),
// the capability-check and stateless diagnostic tools (SEP-2575) and the list-change triggers, public API only.
import { z } from 'zod';
import { ask, type HandlerContext, type McplexServer, type Registration } from '../../src/index.js';
import { INPUT_TEXT } from './fixture-data.js';

const none = z.object({});
const NAME = z.object({ name: z.string() });
const CONFIRM = z.object({ ok: z.boolean() });
const named = (r: { action: string; content?: { name?: string } }) => (r.action === 'accept' ? (r.content?.name ?? 'stranger') : 'stranger');

function addInputTools(s: McplexServer): void {
  s.tool('test_input_required_result_elicitation', { description: 'Asks for your name (one elicitation input)', input: none }, async (_a, ctx) => {
    const { user_name } = await ctx.input({ user_name: ask.elicit('What is your name?', NAME) });
    return `Hello, ${named(user_name)}!`;
  });
  s.tool('test_input_required_result_sampling', { description: 'Asks your LLM a question (one sampling input)', input: none }, async (_a, ctx) => {
    const { capital_question } = await ctx.input({
      capital_question: ask.sample({ messages: [{ role: 'user', content: { type: 'text', text: 'What is the capital of France?' } }], maxTokens: 100 }),
    });
    const c = Array.isArray(capital_question.content) ? capital_question.content[0] : capital_question.content;
    return `LLM said: ${c?.type === 'text' ? c.text : '(no text)'}`;
  });
  s.tool('test_input_required_result_list_roots', { description: 'Lists your roots (one roots/list input)', input: none }, async (_a, ctx) => {
    const { client_roots } = await ctx.input({ client_roots: ask.roots() });
    return `Roots: ${client_roots.map((r) => r.uri).join(', ') || '(none)'}`;
  });
  // The framework signs every round's requestState; a tampered one is refused before the handler runs again.
  const confirmed = async (ctx: HandlerContext) => {
    const { confirm } = await ctx.input({ confirm: ask.elicit('Please confirm', CONFIRM) });
    return `state-ok: confirmed=${confirm.action === 'accept' && confirm.content.ok}`;
  };
  s.tool('test_input_required_result_request_state', { description: 'Two rounds; the second is checked against the requestState', input: none }, (_a, ctx) => confirmed(ctx));
  s.tool('test_input_required_result_tampered_state', { description: 'Two rounds with a signed requestState', input: none }, (_a, ctx) => confirmed(ctx));
  s.tool('test_input_required_result_multiple_inputs', { description: 'Asks for a form, a completion and your roots at once', input: none }, async (_a, ctx) => {
    const { user_name, greeting, client_roots } = await ctx.input({
      user_name: ask.elicit('What is your name?', NAME),
      greeting: ask.sample({ messages: [{ role: 'user', content: { type: 'text', text: 'Generate a greeting' } }], maxTokens: 50 }),
      client_roots: ask.roots(),
    });
    const g = Array.isArray(greeting.content) ? greeting.content[0] : greeting.content;
    return `${g?.type === 'text' ? g.text : 'Hello'}, ${named(user_name)} (${client_roots.length} roots)`;
  });
  s.tool('test_input_required_result_multi_round', { description: 'Asks two questions, one round each', input: none }, async (_a, ctx) => {
    const { step1 } = await ctx.input({ step1: ask.elicit('Step 1: What is your name?', NAME) });
    const { step2 } = await ctx.input({ step2: ask.elicit('Step 2: What is your favorite color?', z.object({ color: z.string() })) });
    return `${named(step1)} likes ${step2.action === 'accept' ? step2.content.color : 'no colour'}`;
  });
  s.tool('test_input_required_result_capabilities', { description: 'Asks only for what your client declared', input: none }, async (_a, ctx) => {
    const caps = ctx.clientCapabilities;
    if (caps.sampling) {
      const { answer } = await ctx.input({ answer: ask.sample({ messages: [{ role: 'user', content: { type: 'text', text: 'Say hi' } }], maxTokens: 10 }) });
      return `sampled: ${answer.model}`;
    }
    if (caps.elicitation) return `elicited: ${named((await ctx.input({ user_name: ask.elicit('What is your name?', NAME) })).user_name)}`;
    return INPUT_TEXT.noCapabilities;
  });
  s.prompt('test_input_required_result_prompt', { description: 'A prompt that asks what context to use' }, async (_a, ctx) => {
    const { user_context } = await ctx.input({ user_context: ask.elicit('What context should the prompt use?', z.object({ context: z.string() })) });
    const context = user_context.action === 'accept' ? user_context.content.context : 'none';
    return { messages: [{ role: 'user', content: { type: 'text', text: `Use this context: ${context}` } }] };
  });
}

/** SEP-2575's diagnostic tools and the hooks that change the tool and prompt lists (each call toggles one entry). */
function addStatelessTools(s: McplexServer): void {
  s.tool('test_missing_capability', { description: 'Needs sampling: refused with -32021 when the client did not declare it', input: none }, async (_a, ctx) => {
    const r = await ctx.sample({ messages: [{ role: 'user', content: { type: 'text', text: 'ping' } }], maxTokens: 10 });
    return `sampled: ${r.model}`;
  });
  s.tool('test_streaming_elicitation', { description: 'Elicits on the request stream', input: none }, async (_a, ctx) => {
    const r = await ctx.elicit('What is your name?', NAME);
    return `Hello, ${named(r)}!`;
  });
  s.tool('test_logging_tool', { description: 'Logs three lines (sent only when the request set a log level)', input: none }, async (_a, ctx) => {
    for (const line of INPUT_TEXT.logLines) await ctx.log('info', line);
    return 'logged';
  });
  let extraTool: Registration | undefined;
  s.tool('test_trigger_tool_change', { description: 'Adds or removes the tool test_dynamic_tool', input: none }, () => {
    if (extraTool) {
      extraTool.remove();
      extraTool = undefined;
      return 'removed test_dynamic_tool';
    }
    extraTool = s.tool('test_dynamic_tool', { description: 'Comes and goes', input: none }, () => 'dynamic');
    return 'added test_dynamic_tool';
  });
  let extraPrompt: Registration | undefined;
  s.tool('test_trigger_prompt_change', { description: 'Adds or removes the prompt test_dynamic_prompt', input: none }, () => {
    if (extraPrompt) {
      extraPrompt.remove();
      extraPrompt = undefined;
      return 'removed test_dynamic_prompt';
    }
    extraPrompt = s.prompt('test_dynamic_prompt', { description: 'Comes and goes' }, () => ({ messages: [{ role: 'user', content: { type: 'text', text: 'dynamic' } }] }));
    return 'added test_dynamic_prompt';
  });
}

/** Everything the 2026-07-28 requirements add to the fixture. */
export function addRevision2026(s: McplexServer): void {
  addInputTools(s);
  addStatelessTools(s);
}
