// The fixture's tools for suite 0.2.0-alpha.12's tasks scenarios (the io.modelcontextprotocol/tasks extension,
// SEP-2663): a sync tool, long and failing task tools, tasks that wait for input, and one that gathers input in a
// round before it becomes a task. Public API only.
import { z } from 'zod';
import { ask, ErrorCode, type McplexServer, ToolError, WireError } from '../../src/index.js';

const none = z.object({});
const NAME = z.object({ name: z.string() });

/** Resolves after `ms`, or rejects when `signal` aborts first (a cancelled task stops at once). */
function wait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });
}

export function addTaskTools(s: McplexServer): void {
  s.tool('greet', { description: 'Says hello (never a task)', input: NAME }, ({ name }) => `Hello, ${name}!`);
  s.tool(
    'slow_compute',
    { description: 'Works for `seconds` seconds (a task for clients that can)', input: z.object({ seconds: z.number().min(0), label: z.string().optional() }), task: 'optional' },
    async ({ seconds, label }, ctx) => {
      await wait(seconds * 1000, ctx.signal);
      return `computed ${label ?? 'something'} in ${seconds} s`;
    },
  );
  s.tool('failing_job', { description: 'Fails after a second (only as a task)', input: none, task: 'required' }, async (_a, ctx) => {
    await wait(1000, ctx.signal);
    throw new ToolError('the job failed: nothing to do');
  });
  s.tool('protocol_error_job', { description: 'Crashes (a protocol error) after a moment', input: none, task: 'optional' }, async (_a, ctx) => {
    await wait(100, ctx.signal);
    throw new WireError(ErrorCode.InternalError, 'the job crashed');
  });
  s.tool(
    'confirm_delete',
    { description: 'Asks before deleting a file', input: z.object({ filename: z.string() }), task: 'optional' },
    async ({ filename }, ctx) => {
      const answer = await ctx.elicit(`Delete ${filename}?`, z.object({ confirm: z.boolean() }));
      return answer.action === 'accept' && answer.content.confirm ? `deleted ${filename}` : `kept ${filename}`;
    },
  );
  s.tool('multi_input', { description: 'Asks two questions at once', input: none, task: 'optional' }, async (_a, ctx) => {
    const form = z.object({ name: z.string(), confirm: z.boolean() });
    const [first, second] = await Promise.all([ctx.elicit('First question', form), ctx.elicit('Second question', form)]);
    const name = (r: typeof first) => (r.action === 'accept' ? r.content.name : 'nobody');
    return `answered by ${name(first)} and ${name(second)}`;
  });
  // Gathers the name in a 2026-era round, then becomes a task for the rest.
  s.tool('test_tool_with_task', { description: 'Asks your name, then works on it as a task', input: none, task: { support: 'required', immediateMs: 5_000 } }, async (_a, ctx) => {
    const { user_name } = await ctx.input({ user_name: ask.elicit('What is your name?', NAME) });
    const name = user_name.action === 'accept' ? user_name.content.name : 'stranger';
    await wait(50, ctx.signal);
    return `Hello, ${name}! (worked on as a task)`;
  });
}
