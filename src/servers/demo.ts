// A bundled demo server (`mcplex demo demo`, fronted by the default gateway config): a few tools, a resource
// and a prompt that show the framework's features to a client such as MCP Inspector.
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { VERSION } from '../core/index.js';
import { type CreateServerOptions, createServer, type McplexServer } from '../server/index.js';

export function createDemoServer(opts: Partial<CreateServerOptions> = {}): McplexServer {
  const server = createServer({
    name: 'mcplex-demo',
    version: VERSION,
    instructions: 'A demo server built with the mcplex framework.',
    ...opts,
  });

  server.tool(
    'echo',
    { title: 'Echo', description: 'Returns the text it is given', input: z.object({ text: z.string().describe('Text to echo back') }), annotations: { readOnlyHint: true } },
    ({ text }) => text,
  );

  server.tool(
    'add',
    {
      description: 'Adds two numbers and returns the sum as structured output',
      input: z.object({ a: z.number(), b: z.number() }),
      output: z.object({ sum: z.number() }),
      annotations: { readOnlyHint: true, idempotentHint: true },
    },
    ({ a, b }) => ({ structuredContent: { sum: a + b } }),
  );

  server.tool(
    'sleep',
    { description: 'Waits for the given number of milliseconds, reporting progress; cancellable', input: z.object({ ms: z.number().int().min(0).max(60_000) }) },
    async ({ ms }, ctx) => {
      const steps = 4;
      for (let i = 1; i <= steps; i++) {
        await sleep(ms / steps, undefined, { signal: ctx.signal });
        await ctx.progress(i, steps);
      }
      return `slept ${ms} ms`;
    },
  );

  server.tool(
    'greet',
    { description: 'Asks for your name (elicitation) and greets you', input: z.object({}) },
    async (_args, ctx) => {
      const answer = await ctx.elicit('What is your name?', z.object({ name: z.string().describe('Your name') }));
      return answer.action === 'accept' ? `Hello, ${answer.content.name}!` : `No name given (${answer.action}).`;
    },
  );

  server.resource('demo://readme', { name: 'readme', mimeType: 'text/markdown', description: 'About this server' }, (uri) => ({
    contents: [{ uri: uri.href, mimeType: 'text/markdown', text: '# mcplex demo\nTools: echo, add, sleep, greet.' }],
  }));

  server.prompt(
    'summarize',
    {
      description: 'Asks the model to summarize a text in a given style',
      args: z.object({ text: z.string(), style: z.string().optional() }),
      complete: { style: (value) => ['brief', 'detailed', 'bullet points'].filter((s) => s.startsWith(value)) },
    },
    ({ text, style }) => ({
      messages: [{ role: 'user', content: { type: 'text', text: `Summarize (${style ?? 'brief'}):\n${text}` } }],
    }),
  );

  return server;
}
