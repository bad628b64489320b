// A framework upstream for the relay tests (stdio, or `--http` printing `LISTENING <url>`): runtime tool
// registration, cancellation it records, elicitation, sampling, logs, progress, resource updates, completion.
import { z } from 'zod';
import { createServer, ToolError } from '../../../src/index.js';

const server = createServer({ name: 'relay-upstream', version: '3.1.4' });
const started: string[] = [];
const cancelled: string[] = [];
const none = z.object({});

server.tool('add_tool', { description: 'Registers a new tool at runtime', input: z.object({ name: z.string() }) }, ({ name }) => {
  server.tool(name, { description: `added at runtime: ${name}`, input: none }, () => `hello from ${name}`);
  return `added ${name}`;
});
async function waitCancel(id: string, ctx: { signal: AbortSignal }): Promise<string> {
  started.push(id);
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 20_000);
    ctx.signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        cancelled.push(id);
        resolve();
      },
      { once: true },
    );
  });
  if (ctx.signal.aborted) throw new ToolError(`cancelled ${id}`);
  return `not cancelled ${id}`;
}
server.tool('wait_cancel', { description: 'Waits until cancelled (at most 20 s)', input: z.object({ id: z.string() }) }, ({ id }, ctx) => waitCancel(id, ctx));
// With RELAY_TASK_TOOLS=1, the same as a tool this server runs only as a task (for 2026-era callers).
if (process.env.RELAY_TASK_TOOLS === '1') {
  server.tool('wait_cancel_task', { description: 'Waits until cancelled (at most 20 s), only as a task', input: z.object({ id: z.string() }), task: 'required' }, ({ id }, ctx) => waitCancel(id, ctx));
}
server.tool('cancellations', { description: 'wait_cancel calls started, and those that saw their cancellation', input: none }, () =>
  JSON.stringify({ started, cancelled }),
);
server.tool('ask', { description: 'Elicits a name', input: z.object({ question: z.string() }) }, async ({ question }, ctx) => {
  const r = await ctx.elicit(question, z.object({ name: z.string().describe('Your name') }));
  return r.action === 'accept' ? `hello ${r.content.name} (${ctx.era})` : `no answer: ${r.action} (${ctx.era})`;
});
server.tool('ask_twice', { description: 'Elicits two answers in a row', input: none }, async (_a, ctx) => {
  const a = await ctx.elicit('first?', z.object({ v: z.string() }));
  const b = await ctx.elicit('second?', z.object({ v: z.string() }));
  return `${a.action === 'accept' ? a.content.v : a.action}+${b.action === 'accept' ? b.content.v : b.action}`;
});
server.tool('sample', { description: 'Asks the client LLM', input: z.object({ prompt: z.string() }) }, async ({ prompt }, ctx) => {
  const r = await ctx.sample({ messages: [{ role: 'user', content: { type: 'text', text: prompt } }], maxTokens: 20 });
  const c = Array.isArray(r.content) ? r.content[0] : r.content;
  return `model ${r.model} said ${c?.type === 'text' ? c.text : '?'}`;
});
server.tool('log', { description: 'Logs at three levels', input: z.object({ tag: z.string() }) }, async ({ tag }, ctx) => {
  await ctx.log('debug', { tag, n: 1 });
  await ctx.log('info', { tag, n: 2 });
  await ctx.log('error', { tag, n: 3 });
  return `logged ${tag}`;
});
server.tool('progress', { description: 'Reports three steps of progress (each note ending with `note`)', input: z.object({ note: z.string().optional() }) }, async ({ note }, ctx) => {
  for (const done of [1, 2, 3]) await ctx.progress(done, 3, `step ${done}${note ?? ''}`);
  return `upstream saw token ${JSON.stringify(ctx.meta.progressToken ?? null)}`;
});
server.tool('touch', { description: 'Announces that relay://watched changed', input: none }, () => {
  server.resourceUpdated('relay://watched');
  return 'touched';
});
server.tool(
  'weather',
  { description: 'Structured output', input: z.object({ city: z.string() }), output: z.object({ city: z.string(), tempC: z.number() }) },
  ({ city }) => ({ content: [{ type: 'text', text: `${city}: 21` }], structuredContent: { city, tempC: 21 } }),
);
server.resource('relay://watched', { name: 'watched', mimeType: 'text/plain' }, () => ({
  contents: [{ uri: 'relay://watched', mimeType: 'text/plain', text: 'watched body' }],
}));
server.resourceTemplate(
  'relay://items/{id}',
  { name: 'item', mimeType: 'text/plain' },
  (uri, vars) => ({ contents: [{ uri: uri.toString(), mimeType: 'text/plain', text: `item ${String(vars.id)}` }] }),
  { complete: { id: (value) => ['alpha', 'alpine', 'beta'].filter((v) => v.startsWith(value)) } },
);
server.prompt(
  'greet',
  { description: 'Greets someone', args: z.object({ who: z.string() }), complete: { who: (v) => ['world', 'wombat'].filter((w) => w.startsWith(v)) } },
  ({ who }) => ({ messages: [{ role: 'user', content: { type: 'text', text: `Hello, ${who}!` } }] }),
);

if (process.argv.includes('--http')) {
  const handle = await server.serveHttp({ port: 0 });
  process.stdout.write(`LISTENING ${handle.url}\n`);
  process.on('SIGTERM', () => void handle.close().then(() => process.exit(0)));
} else {
  const handle = server.serveStdio();
  process.on('SIGTERM', () => void handle.close().then(() => process.exit(0)));
}
