// Shared fixture for the era feature tests: one server exercising every framework feature, plus helpers
// to connect SDK clients (in memory or over HTTP on 127.0.0.1) and to wait for notifications with a bound.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { z } from 'zod';
import { ErrorCode, type Era, silentLogger, WireError } from '../../src/core/index.js';
import { createServer, type McplexServer } from '../../src/server/index.js';

export const WAIT_MS = 5_000;

/** Rejects after `ms` with `what` in the message, so a missing notification fails fast and clearly. */
export function within<T>(promise: Promise<T>, what: string, ms = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve: (v: T) => void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

export interface Observed {
  middleware: Array<{ method: string; target?: string; era: Era }>;
  /** Set when the `wait_for_cancel` handler starts; resolved with the abort reason when it sees ctx.signal abort. */
  waitStarted: Deferred<void>;
  waitAborted: Deferred<unknown>;
  /** How many times the `two_questions` handler ran (2026-era MRTR re-runs it). */
  twoQuestionRuns: number;
  /** Resolved with how `ask_once`'s elicit ended ('answered' or the error message). */
  askSettled: Deferred<string>;
  handlerEras: Era[];
}

export const WEATHER_ICON = { src: 'https://example.com/sun.png', mimeType: 'image/png', sizes: ['48x48'] };

export function buildServer(opts: { listPageSize?: number } = {}): { server: McplexServer; seen: Observed } {
  const seen: Observed = { middleware: [], waitStarted: deferred<void>(), waitAborted: deferred<unknown>(), twoQuestionRuns: 0, handlerEras: [], askSettled: deferred<string>() };
  const server = createServer({ name: 'features', version: '1.2.3', logger: silentLogger, ...opts });

  server.use(async (ctx, next) => {
    seen.middleware.push({ method: ctx.method, ...(ctx.target !== undefined && { target: ctx.target }), era: ctx.era });
    if (ctx.method === 'tools/call' && ctx.target === 'forbidden') {
      throw new WireError(ErrorCode.Forbidden, 'Forbidden by policy: forbidden', { tool: ctx.target });
    }
    return next();
  });

  server.tool(
    'weather',
    {
      title: 'Weather',
      description: 'Current temperature for a city',
      input: z.object({ city: z.string() }),
      output: z.object({ city: z.string(), tempC: z.number() }),
      annotations: { readOnlyHint: true, openWorldHint: false },
      icons: [WEATHER_ICON],
    },
    ({ city }, ctx) => {
      seen.handlerEras.push(ctx.era);
      return { structuredContent: { city, tempC: 21.5 } };
    },
  );
  server.tool('bad_output', { description: 'Violates its output schema', output: z.object({ n: z.number() }) }, () => ({
    structuredContent: { n: 'not a number' },
  }));
  server.tool('forbidden', { description: 'Refused by middleware' }, () => 'should never run');
  server.tool('slow', { description: 'Reports progress', input: z.object({ steps: z.number().int() }) }, async ({ steps }, ctx) => {
    for (let i = 1; i <= steps; i++) await ctx.progress(i, steps, `step ${i}`);
    return `done ${steps}`;
  });
  server.tool('chatty', { description: 'Logs' }, async (_a, ctx) => {
    await ctx.log('debug', 'too quiet');
    await ctx.log('warning', { note: 'disk almost full' });
    return 'logged';
  });
  server.tool('two_questions', { description: 'Asks twice' }, async (_a, ctx) => {
    seen.twoQuestionRuns++;
    const name = await ctx.elicit('Your name?', z.object({ name: z.string() }));
    if (name.action !== 'accept') return `no name (${name.action})`;
    const confirm = await ctx.elicit(`Really ${name.content.name}?`, z.object({ ok: z.boolean() }));
    if (confirm.action !== 'accept') return `not confirmed (${confirm.action})`;
    return `hello ${name.content.name}, ok=${confirm.content.ok}`;
  });
  server.tool('ask_once', { description: 'Asks once and records how the question ended' }, async (_a, ctx) => {
    try {
      const r = await ctx.elicit('Anything?', z.object({ text: z.string() }));
      seen.askSettled.resolve('answered');
      return r.action;
    } catch (err) {
      seen.askSettled.resolve((err as Error).message);
      throw err;
    }
  });
  server.tool('summarize', { description: 'Samples', input: z.object({ text: z.string() }) }, async ({ text }, ctx) => {
    const r = await ctx.sample({ messages: [{ role: 'user', content: { type: 'text', text: `Summarize: ${text}` } }], maxTokens: 50 });
    return `summary: ${r.content.type === 'text' ? r.content.text : '?'} (${r.model})`;
  });
  server.tool('wait_for_cancel', { description: 'Waits until cancelled' }, async (_a, ctx) => {
    seen.waitStarted.resolve();
    const reason = await within(
      new Promise((resolve) => {
        if (ctx.signal.aborted) resolve(ctx.signal.reason);
        ctx.signal.addEventListener('abort', () => resolve(ctx.signal.reason), { once: true });
      }),
      'the handler signal to abort',
    );
    seen.waitAborted.resolve(reason ?? 'aborted');
    return 'cancelled';
  });

  server.resource('mem://greeting', { name: 'greeting', title: 'Greeting', mimeType: 'text/plain' }, (uri) => ({
    contents: [{ uri: uri.href, mimeType: 'text/plain', text: 'hello' }],
  }));
  server.resourceTemplate(
    'users://{id}/profile',
    { name: 'profile', description: 'A user profile', mimeType: 'application/json' },
    (uri, vars) => ({ contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify({ id: vars.id }) }] }),
    { complete: { id: (value) => ['alice', 'albert', 'bob'].filter((v) => v.startsWith(value)) } },
  );
  server.prompt(
    'greet',
    {
      description: 'Greets someone',
      args: z.object({ name: z.string().describe('Who to greet'), style: z.string().optional() }),
      complete: { name: (value) => ['Ada', 'Alan', 'Grace'].filter((v) => v.startsWith(value)) },
    },
    ({ name, style }) => ({ messages: [{ role: 'user', content: { type: 'text', text: `Greet ${name}${style ? ` ${style}` : ''}` } }] }),
  );
  return { server, seen };
}

/** An SDK client over Streamable HTTP; `modern` pins 2026-07-28. */
export async function httpClient(url: string, era: Era, capabilities: Record<string, unknown> = {}): Promise<Client> {
  const client = new Client(
    { name: 'features-test', version: '1.0.0' },
    { capabilities, ...(era === 'modern' && { versionNegotiation: { mode: { pin: '2026-07-28' } } }) },
  );
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

/** Collects notifications of one method on a client; `next()` waits (bounded) for the next one. */
export function collect<T = Record<string, unknown>>(client: Client, method: string) {
  const items: T[] = [];
  const waiters: Array<() => void> = [];
  (client.setNotificationHandler as (m: string, h: (n: { params?: unknown }) => void) => void)(method, (n) => {
    items.push((n.params ?? {}) as T);
    for (const w of waiters.splice(0)) w();
  });
  return {
    items,
    async waitFor(count: number): Promise<T[]> {
      while (items.length < count) {
        await within(new Promise<void>((r) => waiters.push(r)), `${count} × ${method} (got ${items.length})`);
      }
      return items;
    },
  };
}
