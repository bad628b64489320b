// An upstream's own tasks (the 2026-07-28 tasks extension) through the gateway, which runs none of them itself (no
// `servers.<name>.tasks`): a caller that declares the extension polls the upstream's task under an id of the
// gateway's (its input, its cancel, its end all the upstream's); another principal cannot see it; an operator's cancel
// reaches the upstream. A 2025-era caller calling a tool the upstream runs only as a task gets the task's end as an
// ordinary answer (the gateway awaits it, relaying its questions); a 2026-era caller that did not declare the
// extension gets the upstream's -32021. The upstreams: the conformance fixture, its own process over HTTP, and a
// framework server over stdio speaking 2026-07-28 that records the cancellations its handlers see.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_SCOPE, newApiKey } from '../../src/index.js';
import { type FixtureProcess, startFixture } from '../conformance/fixture-process.js';
import { rawRequest } from '../helpers/http.js';
import { TasksClient } from '../helpers/tasks-client.js';
import { http, type RunningGateway, relayUpstream, startGateway, text } from './helpers/harness.js';

const keys = { a: newApiKey(), b: newApiKey(), ops: newApiKey() };
const bearer = (who: keyof typeof keys) => ({ authorization: `Bearer ${keys[who].key}` });
type Json = Record<string, unknown>;

describe("an upstream's own tasks through the gateway", () => {
  let fixture: FixtureProcess;
  let running: RunningGateway;
  let a: TasksClient;
  let b: TasksClient;

  beforeAll(async () => {
    fixture = await startFixture({ startTimeoutMs: 30_000 });
    running = await startGateway({
      listen: { host: '127.0.0.1', port: 0, path: '/mcp' },
      separator: '__',
      auth: { apiKeys: { [keys.a.hash]: { id: 'a', scopes: [] }, [keys.b.hash]: { id: 'b', scopes: [] }, [keys.ops.hash]: { id: 'ops', scopes: [ADMIN_SCOPE] } } },
      servers: {
        up: http('up', fixture.url, { timeoutMs: 20_000 }),
        fw26: relayUpstream('fw26', { protocol: '2026-07-28', env: { MCPLEX_LOG_LEVEL: 'warn', RELAY_TASK_TOOLS: '1' } }),
        // The same, a process per caller (isolation): a caller's task lives in their own instance.
        iso26: relayUpstream('iso26', { protocol: '2026-07-28', env: { MCPLEX_LOG_LEVEL: 'warn', RELAY_TASK_TOOLS: '1' }, isolation: 'per-principal' }),
      },
    });
    a = new TasksClient(running.url, { headers: bearer('a') });
    b = new TasksClient(running.url, { headers: bearer('b') });
  }, 60_000);
  afterAll(async () => {
    await running?.close();
    await fixture?.stop();
  }, 30_000);

  const adminTasks = async () => JSON.parse((await rawRequest(new URL('/admin/tasks', running.url).href, { method: 'GET', headers: bearer('ops') })).text) as { tasks: Json[] };

  it("relays the upstream's task under the gateway's id; its end is the upstream's", async () => {
    const created = await a.ok('tools/call', { name: 'up__slow_compute', arguments: { seconds: 0.3, label: 'relayed' } });
    // The gateway presents itself, as on any answer it relays.
    expect(created).toMatchObject({ resultType: 'task', status: 'working', _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'mcplex-gateway' } } });
    const taskId = String(created.taskId);
    // The gateway's own id: its operators see it, naming the upstream.
    expect((await adminTasks()).tasks.find((t) => t.taskId === taskId)).toMatchObject({ tool: 'up__slow_compute', upstream: 'up', principal: 'apiKey:a' });
    const done = await a.settled(taskId);
    expect(done).toMatchObject({ taskId, status: 'completed', result: { content: [{ type: 'text', text: 'computed relayed in 0.3 s' }] } });
    // Another principal cannot see it.
    expect((await b.request('tasks/get', { taskId })).error).toMatchObject({ code: -32602 });
    expect((await b.request('tasks/cancel', { taskId })).error).toMatchObject({ code: -32602 });
  });

  it("holds the upstream task's question until tasks/update answers it", async () => {
    const taskId = String((await a.ok('tools/call', { name: 'up__confirm_delete', arguments: { filename: 'notes.txt' } })).taskId);
    const asking = await a.until(taskId, (t) => t.status === 'input_required');
    const [key, request] = Object.entries(asking.inputRequests as Record<string, { method: string; params: { message: string } }>)[0]!;
    expect(request).toMatchObject({ method: 'elicitation/create', params: { message: 'Delete notes.txt?' } });
    expect((await b.request('tasks/update', { taskId, inputResponses: { [key]: { action: 'accept', content: { confirm: true } } } })).error?.code).toBe(-32602);
    await a.ok('tasks/update', { taskId, inputResponses: { [key]: { action: 'accept', content: { confirm: true } } } });
    expect(await a.settled(taskId)).toMatchObject({ status: 'completed', result: { content: [{ text: 'deleted notes.txt' }] } });
  });

  it("a tool error ends the upstream's task as completed with an isError result (a required-task tool)", async () => {
    const taskId = String((await a.ok('tools/call', { name: 'up__failing_job', arguments: {} })).taskId);
    expect(await a.settled(taskId)).toMatchObject({ status: 'completed', result: { isError: true, content: [{ text: expect.stringContaining('the job failed') }] } });
  });

  it('tasks/cancel cancels the task', async () => {
    const taskId = String((await a.ok('tools/call', { name: 'up__slow_compute', arguments: { seconds: 30 } })).taskId);
    await a.ok('tasks/cancel', { taskId });
    expect(await a.ok('tasks/get', { taskId })).toMatchObject({ taskId, status: 'cancelled' });
  });

  it("an operator's cancel reaches the upstream", async () => {
    const taskId = String((await a.ok('tools/call', { name: 'up__slow_compute', arguments: { seconds: 30 } })).taskId);
    const res = await rawRequest(new URL('/admin/tasks/cancel', running.url).href, { headers: { ...bearer('ops'), 'content-type': 'application/json' }, body: JSON.stringify({ taskId }) });
    expect(res.status).toBe(200);
    expect((await a.until(taskId, (t) => t.status === 'cancelled')).taskId).toBe(taskId);
  });

  it('a 2026-era caller that did not declare the extension gets the upstream task tool refused with -32021', async () => {
    const plain = new TasksClient(running.url, { headers: bearer('a'), capabilities: { elicitation: {} } });
    const reply = await plain.request('tools/call', { name: 'up__failing_job', arguments: {} });
    expect(reply.error).toMatchObject({ code: -32021, data: { requiredCapabilities: { extensions: { 'io.modelcontextprotocol/tasks': {} } } } });
    // An optional task tool runs as an ordinary call for it.
    expect(await plain.ok('tools/call', { name: 'up__slow_compute', arguments: { seconds: 0, label: 'sync' } })).toMatchObject({ content: [{ text: 'computed sync in 0 s' }] });
  });

  it("a 2025-era caller gets a required-task tool's end as an ordinary answer, its questions relayed as elicitation", async () => {
    const before = (await adminTasks()).tasks.length;
    const asked: string[] = [];
    const client = await running.connect('legacy', {
      headers: bearer('a'),
      options: { capabilities: { elicitation: { form: {} } } },
      setup: (c) =>
        c.setRequestHandler('elicitation/create', async (req) => {
          asked.push(String(req.params.message));
          return { action: 'accept' as const, content: { name: 'Alice' } };
        }),
    });
    const failed = await client.callTool({ name: 'up__failing_job', arguments: {} });
    expect(failed).toMatchObject({ isError: true });
    expect(text(failed)).toContain('the job failed');
    // Asks in a round before it becomes a task at the upstream; the gateway relays the question and awaits the task.
    const greeted = await client.callTool({ name: 'up__test_tool_with_task', arguments: {} });
    expect(text(greeted)).toBe('Hello, Alice! (worked on as a task)');
    expect(asked).toEqual(['What is your name?']);
    // Nothing of the gateway's own stands for the tasks it awaited.
    expect((await adminTasks()).tasks).toHaveLength(before);
  });

  const cancellations = async (client: TasksClient, server: string) => JSON.parse(text(await client.ok('tools/call', { name: `${server}__cancellations`, arguments: {} }))) as { started: string[]; cancelled: string[] };
  const until = async (client: TasksClient, holds: (seen: { started: string[]; cancelled: string[] }) => boolean, server = 'fw26') => {
    for (let i = 0; i < 400 && !holds(await cancellations(client, server)); i++) await new Promise((r) => setTimeout(r, 25));
    expect(holds(await cancellations(client, server))).toBe(true);
  };

  it("relays a stdio upstream's task too; its cancel reaches the handler", async () => {
    const taskId = String((await a.ok('tools/call', { name: 'fw26__wait_cancel_task', arguments: { id: 'relayed-stdio' } })).taskId);
    await until(a, (seen) => seen.started.includes('relayed-stdio'));
    expect((await a.ok('tasks/get', { taskId })).status).toBe('working');
    await a.ok('tasks/cancel', { taskId });
    await until(a, (seen) => seen.cancelled.includes('relayed-stdio'));
  });

  it("an operator's cancel of a task on an isolated server reaches it in the caller's own instance", async () => {
    const taskId = String((await a.ok('tools/call', { name: 'iso26__wait_cancel_task', arguments: { id: 'isolated' } })).taskId);
    await until(a, (seen) => seen.started.includes('isolated'), 'iso26');
    const res = await rawRequest(new URL('/admin/tasks/cancel', running.url).href, { headers: { ...bearer('ops'), 'content-type': 'application/json' }, body: JSON.stringify({ taskId }) });
    expect(res.status).toBe(200);
    // The caller's instance ran the task, and its handler saw the cancel (the shared instance knows no such task).
    await until(a, (seen) => seen.cancelled.includes('isolated'), 'iso26');
    expect((await a.until(taskId, (t) => t.status === 'cancelled')).taskId).toBe(taskId);
  });

  it("a 2025-era caller that gives up cancels the upstream task the gateway awaited for it", async () => {
    const client = await running.connect('legacy', { headers: bearer('a') });
    const stop = new AbortController();
    const call = client.callTool({ name: 'fw26__wait_cancel_task', arguments: { id: 'awaited' } }, { signal: stop.signal });
    await until(a, (seen) => seen.started.includes('awaited'));
    stop.abort(new Error('the user gave up'));
    await expect(call).rejects.toThrow();
    await until(a, (seen) => seen.cancelled.includes('awaited'));
  });

  it('a task the upstream lost (it restarted) fails, saying so, and is answered by the gateway from then on', async () => {
    const taskId = String((await a.ok('tools/call', { name: 'fw26__wait_cancel_task', arguments: { id: 'lost' } })).taskId);
    await until(a, (seen) => seen.started.includes('lost'));
    const pid = (running.gateway.health().upstreams.find((u) => u.name === 'fw26') as { pid?: number }).pid!;
    process.kill(pid, 'SIGKILL');
    // While it is down the caller is told so; once it is back it no longer knows the task.
    let task: Json = {};
    for (let i = 0; i < 400 && task.status !== 'failed'; i++) {
      const reply = await a.request('tasks/get', { taskId });
      if (reply.result) task = reply.result;
      else expect(reply.error?.code).toBe(-32014);
      if (task.status !== 'failed') await new Promise((r) => setTimeout(r, 25));
    }
    expect(task).toMatchObject({ taskId, status: 'failed', error: { code: -32014, message: "Server 'fw26' no longer has this task (it may have restarted)" } });
    expect(await a.ok('tasks/get', { taskId })).toMatchObject({ status: 'failed' });
  });
});
