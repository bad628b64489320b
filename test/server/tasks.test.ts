// Tools as tasks (the 2026-07-28 tasks extension, SEP-2663) in a framework server over HTTP on 127.0.0.1: a tool
// declared with `task:` answers a client that declared the extension with a task it polls, waits for input through
// tasks/get and tasks/update, stops its handler on tasks/cancel and on expiry, and belongs to the principal that made
// it; other clients (and the 2025 era) get ordinary answers, or -32021 for a tool that runs only as a task.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ask, createAuthenticator, createServer, type HttpHandle, type McplexServer, newApiKey, silentLogger, ToolError } from '../../src/index.js';
import { connectWith } from '../middleware/auth-fixture.js';
import { TASKS, TasksClient } from '../helpers/tasks-client.js';

const keys = { a: newApiKey(), b: newApiKey() };
const FORM = z.object({ confirm: z.boolean() });
/** An acknowledgement without the server's `_meta` stamp: nothing of the task in it. */
const ack = ({ _meta: _m, ...rest }: Record<string, unknown>) => rest;

describe('tasks', () => {
  let server: McplexServer;
  let handle: HttpHandle;
  let a: TasksClient;
  let b: TasksClient;
  /** Handlers that saw their signal abort, by label. */
  const stopped = new Set<string>();
  /** Releases the `gate` tool's handlers. */
  let open: () => void = () => {};
  let gate = new Promise<void>((r) => (open = r));

  beforeAll(async () => {
    server = createServer({ name: 'tasks', version: '1.0.0', logger: silentLogger, tasks: { maxTasksPerPrincipal: 4, pollIntervalMs: 250 } });
    server.tool('gate', { description: 'Works until the test opens the gate', input: z.object({ label: z.string() }), task: 'optional' }, async ({ label }, ctx) => {
      ctx.signal.addEventListener('abort', () => stopped.add(label));
      await ctx.progress(1, 2, `${label}: waiting for the gate`);
      await Promise.race([gate, new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)))]);
      return `${label} done`;
    });
    server.tool('only_task', { description: 'Runs only as a task', input: z.object({}), task: 'required' }, () => 'done as a task');
    server.tool('broken', { description: 'Throws', input: z.object({}), task: 'optional' }, () => {
      throw new Error('kaput');
    });
    server.tool('refuses', { description: 'Reports a tool error', input: z.object({}), task: 'optional' }, () => {
      throw new ToolError('no can do');
    });
    server.tool('ask_twice', { description: 'Asks two questions at once, then a third', input: z.object({}), task: 'optional' }, async (_a, ctx) => {
      const [one, two] = await Promise.all([ctx.elicit('One?', FORM), ctx.elicit('Two?', FORM)]);
      const { three } = await ctx.input({ three: ask.elicit('Three?', FORM) });
      const yes = (r: { action: string; content?: { confirm?: boolean } }) => (r.action === 'accept' && r.content?.confirm ? 'yes' : 'no');
      return `${yes(one)} ${yes(two)} ${yes(three)}`;
    });
    server.tool('checkout', { description: 'Sends you to a page, then finishes', input: z.object({}), task: 'optional' }, async (_a, ctx) => {
      const opened = await ctx.elicitUrl('Pay here', 'https://pay.example/1');
      if (opened.action === 'accept') await opened.complete();
      return `checkout ${opened.action}`;
    });
    server.tool('quick', { description: 'Answers at once when it can', input: z.object({}), task: { support: 'optional', immediateMs: 5_000 } }, () => 'quick answer');
    server.tool(
      'name_then_work',
      { description: 'Asks your name in a round, then works as a task', input: z.object({}), task: { support: 'required', immediateMs: 5_000 } },
      async (_a, ctx) => {
        const { who } = await ctx.input({ who: ask.elicit('Name?', z.object({ name: z.string() })) });
        return `worked for ${who.action === 'accept' ? who.content.name : 'nobody'}`;
      },
    );
    server.tool('short_lived', { description: 'A task kept 300 ms', input: z.object({}), task: { support: 'optional', ttlMs: 300 } }, async (_a, ctx) => {
      ctx.signal.addEventListener('abort', () => stopped.add('short_lived'));
      await new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)));
      return 'never';
    });
    const auth = createAuthenticator({ apiKeys: { [keys.a.hash]: { id: 'a' }, [keys.b.hash]: { id: 'b' } } });
    handle = await server.serveHttp({ port: 0, auth });
    a = new TasksClient(handle.url, { headers: { authorization: `Bearer ${keys.a.key}` } });
    b = new TasksClient(handle.url, { headers: { authorization: `Bearer ${keys.b.key}` } });
  });
  afterAll(async () => {
    server?.tasks.close();
    await handle?.close();
  });

  it('advertises the extension to 2026-era clients; the 2025 era has none', async () => {
    const discovered = await a.ok('server/discover');
    expect((discovered.capabilities as { extensions?: Record<string, unknown> }).extensions).toEqual({ [TASKS]: {} });
    const legacy = await connectWith(handle.url, 'legacy', { authorization: `Bearer ${keys.a.key}` });
    try {
      expect(legacy.getServerCapabilities()).not.toHaveProperty('extensions');
      // A 2025-era client gets an ordinary answer, even from a tool that runs only as a task in the 2026 era.
      expect(await legacy.callTool({ name: 'only_task', arguments: {} })).toMatchObject({ content: [{ type: 'text', text: 'done as a task' }] });
    } finally {
      await legacy.close();
    }
  });

  it('answers with a task, reports its progress, and inlines the result once done', async () => {
    const created = await a.ok('tools/call', { name: 'gate', arguments: { label: 'first' } });
    expect(created).toMatchObject({ resultType: 'task', status: 'working', ttlMs: 3_600_000, pollIntervalMs: 250 });
    expect(created).not.toHaveProperty('result');
    const taskId = String(created.taskId);
    const working = await a.until(taskId, (t) => t.statusMessage !== undefined);
    expect(working).toMatchObject({ resultType: 'complete', taskId, status: 'working', statusMessage: 'first: waiting for the gate' });
    open();
    expect(await a.settled(taskId)).toMatchObject({ status: 'completed', result: { content: [{ type: 'text', text: 'first done' }] } });
    gate = new Promise<void>((r) => (open = r));
  });

  it('is its creator’s: another principal is told it does not exist', async () => {
    const taskId = String((await a.ok('tools/call', { name: 'gate', arguments: { label: 'mine' } })).taskId);
    for (const method of ['tasks/get', 'tasks/cancel']) expect((await b.request(method, { taskId })).error).toMatchObject({ code: -32602, message: `Unknown task: ${taskId}` });
    expect((await a.ok('tasks/get', { taskId })).status).toBe('working');
    await a.ok('tasks/cancel', { taskId });
  });

  it('cancels: the handler’s signal aborts, the task says cancelled, and cancelling again is the same empty answer', async () => {
    const taskId = String((await a.ok('tools/call', { name: 'gate', arguments: { label: 'cancel-me' } })).taskId);
    expect(ack(await a.ok('tasks/cancel', { taskId }))).toEqual({ resultType: 'complete' });
    expect(stopped.has('cancel-me')).toBe(true);
    expect(await a.ok('tasks/get', { taskId })).toMatchObject({ status: 'cancelled' });
    expect(ack(await a.ok('tasks/cancel', { taskId }))).toEqual({ resultType: 'complete' });
  });

  it('fails a task whose handler crashed, with the error inlined; a tool error completes it with isError', async () => {
    const taskId = String((await a.ok('tools/call', { name: 'broken', arguments: {} })).taskId);
    const failed = await a.settled(taskId);
    expect(failed).toMatchObject({ status: 'failed', error: { code: -32603, message: expect.stringMatching(/^Internal error \(reference [0-9a-f]{8}\)/) } });
    expect(failed).not.toHaveProperty('result');
    const refused = String((await a.ok('tools/call', { name: 'refuses', arguments: {} })).taskId);
    expect(await a.settled(refused)).toMatchObject({ status: 'completed', result: { isError: true, content: [{ type: 'text', text: 'no can do' }] } });
  });

  it('waits for input: both questions shown at once, answered one by one; a wrong answer is refused and stays asked', async () => {
    const taskId = String((await a.ok('tools/call', { name: 'ask_twice', arguments: {} })).taskId);
    const asked = await a.until(taskId, (t) => Object.keys((t.inputRequests as object | undefined) ?? {}).length === 2);
    expect(asked.status).toBe('input_required');
    const [first, second] = Object.keys(asked.inputRequests as object);
    expect((asked.inputRequests as Record<string, { method: string }>)[first!]).toMatchObject({ method: 'elicitation/create', params: { message: 'One?' } });
    const wrongKind = await a.request('tasks/update', { taskId, inputResponses: { [first!]: { model: 'm', role: 'assistant', content: { type: 'text', text: 'x' } } } });
    expect(wrongKind.error).toMatchObject({ code: -32602, message: expect.stringContaining(`inputResponses.${first}`) });
    expect(ack(await a.ok('tasks/update', { taskId, inputResponses: { [first!]: { action: 'accept', content: { confirm: true } } } }))).toEqual({ resultType: 'complete' });
    const half = await a.ok('tasks/get', { taskId });
    expect(half.status).toBe('input_required');
    expect(Object.keys(half.inputRequests as object)).toEqual([second]);
    await a.ok('tasks/update', { taskId, inputResponses: { [second!]: { action: 'decline' } } });
    const third = await a.until(taskId, (t) => Object.keys((t.inputRequests as object | undefined) ?? {}).includes('three'));
    expect((third.inputRequests as Record<string, { params: { message: string } }>).three?.params.message).toBe('Three?');
    await a.ok('tasks/update', { taskId, inputResponses: { three: { action: 'accept', content: { confirm: true } } } });
    expect(await a.settled(taskId)).toMatchObject({ status: 'completed', result: { content: [{ text: 'yes no yes' }] } });
  });

  it('asks for a URL to be opened as a pending input (URL mode, no id); refused to a client without elicitation.url', async () => {
    const url = new TasksClient(handle.url, { headers: { authorization: `Bearer ${keys.a.key}` }, capabilities: { elicitation: { url: {} }, extensions: { [TASKS]: {} } } });
    const taskId = String((await url.ok('tools/call', { name: 'checkout', arguments: {} })).taskId);
    const asked = await url.until(taskId, (t) => t.status === 'input_required');
    const [key] = Object.keys(asked.inputRequests as object);
    expect((asked.inputRequests as Record<string, unknown>)[key!]).toEqual({ method: 'elicitation/create', params: { mode: 'url', message: 'Pay here', url: 'https://pay.example/1' } });
    await url.ok('tasks/update', { taskId, inputResponses: { [key!]: { action: 'accept' } } });
    expect(await url.settled(taskId)).toMatchObject({ status: 'completed', result: { content: [{ text: 'checkout accept' }] } });
    // The default client declares elicitation without URL mode: the task fails with -32021, nobody is asked.
    const refused = String((await a.ok('tools/call', { name: 'checkout', arguments: {} })).taskId);
    expect(await a.settled(refused)).toMatchObject({ status: 'failed', error: { code: -32021, data: { requiredCapabilities: { elicitation: { url: {} } } } } });
  });

  it('without the extension: an optional task tool answers as usual, a required one is refused with -32021, and tasks/* too', async () => {
    const plain = new TasksClient(handle.url, { headers: { authorization: `Bearer ${keys.a.key}` }, capabilities: {} });
    open();
    expect(await plain.ok('tools/call', { name: 'gate', arguments: { label: 'plain' } })).toMatchObject({ resultType: 'complete', content: [{ text: 'plain done' }] });
    gate = new Promise<void>((r) => (open = r));
    const refused = await plain.request('tools/call', { name: 'only_task', arguments: {} });
    expect(refused.error).toMatchObject({ code: -32021, data: { requiredCapabilities: { extensions: { [TASKS]: {} } } } });
    expect((await plain.request('tasks/get', { taskId: 'x' })).error?.code).toBe(-32021);
    // Unknown to a client that declared it: -32602.
    expect((await a.request('tasks/get', { taskId: 'no-such-task' })).error).toMatchObject({ code: -32602 });
  });

  it('with immediateMs: a quick handler answers as usual; input asked first is a round, and the call becomes a task after', async () => {
    expect(await a.ok('tools/call', { name: 'quick', arguments: {} })).toMatchObject({ resultType: 'complete', content: [{ text: 'quick answer' }] });
    const round = await a.ok('tools/call', { name: 'name_then_work', arguments: {} });
    expect(round).toMatchObject({ resultType: 'input_required', inputRequests: { who: { method: 'elicitation/create' } } });
    expect(round).not.toHaveProperty('taskId');
    const created = await a.ok('tools/call', { name: 'name_then_work', arguments: {}, inputResponses: { who: { action: 'accept', content: { name: 'Ada' } } }, requestState: round.requestState });
    expect(created).toMatchObject({ resultType: 'task' });
    expect(created).not.toHaveProperty('requestState');
    expect(await a.settled(String(created.taskId))).toMatchObject({ status: 'completed', result: { content: [{ text: 'worked for Ada' }] } });
  });

  it('expires a task after its ttlMs: forgotten, and its handler stopped', async () => {
    const created = await a.ok('tools/call', { name: 'short_lived', arguments: {} });
    expect(created.ttlMs).toBe(300);
    const taskId = String(created.taskId);
    const end = Date.now() + 5_000;
    while ((await a.request('tasks/get', { taskId })).result && Date.now() < end) await new Promise((r) => setTimeout(r, 25));
    expect((await a.request('tasks/get', { taskId })).error?.code).toBe(-32602);
    expect(stopped.has('short_lived')).toBe(true);
  });

  it('bounds the tasks of one principal; finished ones make room', async () => {
    server.tasks.close();
    const made = [];
    for (let i = 0; i < 4; i++) made.push(String((await a.ok('tools/call', { name: 'gate', arguments: { label: `bound-${i}` } })).taskId));
    const refused = await a.request('tools/call', { name: 'gate', arguments: { label: 'one-too-many' } });
    expect(refused.error).toMatchObject({ code: -32603, message: 'Too many tasks: at most 4 tasks per caller; try again when one has finished' });
    // b has room of its own.
    const theirs = await b.ok('tools/call', { name: 'gate', arguments: { label: 'b-1' } });
    await a.ok('tasks/cancel', { taskId: made[0] });
    expect((await a.ok('tools/call', { name: 'gate', arguments: { label: 'after-room' } })).resultType).toBe('task');
    await b.ok('tasks/cancel', { taskId: theirs.taskId });
  });
});

it('counts tasks by status in /metrics', async () => {
  const server = createServer({ name: 'counted', version: '1.0.0', logger: silentLogger, metrics: true });
  server.tool('at_once', { description: 'Done at once', input: z.object({}), task: 'optional' }, () => 'done');
  const handle = await server.serveHttp({ port: 0 });
  try {
    const client = new TasksClient(handle.url);
    await client.settled(String((await client.ok('tools/call', { name: 'at_once', arguments: {} })).taskId));
    const text = await (await fetch(new URL('/metrics', handle.url))).text();
    expect(text).toMatch(/^mcp_tasks\{status="completed"\} 1$/m);
    expect(text).toMatch(/^mcp_tasks\{status="working"\} 0$/m);
  } finally {
    await handle.close();
  }
});
