// examples/long-task.ts runs as a real process: a 2026-era client that declares the tasks extension gets a task,
// watches its progress, answers its question and reads the result; one that cancels stops it; the official SDK
// client (no tasks) gets the answer in one call, its question asked as a 2025-era request.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { killStarted, type Spawned, spawnTs, waitForLine } from '../helpers/process.js';
import { TasksClient } from '../helpers/tasks-client.js';

let server: Spawned;
let url: string;

beforeAll(async () => {
  server = spawnTs('examples/long-task.ts', [], { env: { PORT: '0' }, stdin: 'ignore' });
  const listening = /listening on (\S+)/;
  url = listening.exec(await waitForLine(server.child.stdout!, (l) => listening.test(l), 20_000))![1]!;
});
afterAll(() => killStarted());

it('runs as a task: progress, a question, the result', async () => {
  const client = new TasksClient(url);
  const task = await client.ok('tools/call', { name: 'reindex', arguments: { collection: 'docs', batches: 3 } });
  expect(task).toMatchObject({ resultType: 'task', status: 'working', ttlMs: 900_000 });
  const taskId = String(task.taskId);
  const moving = await client.until(taskId, (t) => typeof t.statusMessage === 'string');
  expect(moving.statusMessage).toMatch(/^docs: batch [123] of 3$/);
  const asking = await client.until(taskId, (t) => t.status === 'input_required');
  const [key, request] = Object.entries(asking.inputRequests as Record<string, { params: { message: string } }>)[0]!;
  expect(request.params.message).toBe('Index of docs rebuilt. Swap it in now?');
  await client.ok('tasks/update', { taskId, inputResponses: { [key]: { action: 'accept', content: { swap: true } } } });
  expect(await client.settled(taskId)).toMatchObject({ status: 'completed', result: { content: [{ text: 'docs: new index live' }] } });
});

it('is cancelled on request (that its handler stops is shown in test/server/tasks.test.ts)', async () => {
  const client = new TasksClient(url);
  const taskId = String((await client.ok('tools/call', { name: 'reindex', arguments: { collection: 'logs', batches: 100 } })).taskId);
  await client.until(taskId, (t) => typeof t.statusMessage === 'string');
  await client.ok('tasks/cancel', { taskId });
  expect(await client.ok('tasks/get', { taskId })).toMatchObject({ status: 'cancelled' });
});

it('answers an SDK client without tasks in one call', async () => {
  const client = new Client({ name: 'example-test', version: '1' }, { capabilities: { elicitation: { form: {} } } });
  client.setRequestHandler('elicitation/create', async () => ({ action: 'accept', content: { swap: false } }));
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  try {
    const result = await client.callTool({ name: 'reindex', arguments: { collection: 'wiki', batches: 2 } });
    expect(result.content).toEqual([{ type: 'text', text: 'wiki: new index kept aside' }]);
  } finally {
    await client.close();
  }
});
