// Tasks the gateway runs itself (`servers.<name>.tasks`): a 2026-era caller that declares the tasks extension gets a
// task for a named tool whatever its upstream speaks; what the upstream asks meanwhile (a 2025-era server's real
// elicitation request, a 2026-era server's input_required round) waits in the task for tasks/update; its progress
// is the task's statusMessage; tasks/cancel reaches the upstream as a cancellation. Real framework upstreams over
// stdio in both eras, API keys for two principals, raw 2026 requests (the SDK client has no tasks) and the SDK's
// 2025-era client.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_SCOPE, newApiKey, parseConfig } from '../../src/index.js';
import { rejection } from '../helpers/config.js';
import { smuggle } from '../helpers/smuggle.js';
import { TasksClient } from '../helpers/tasks-client.js';
import { connectWith } from '../middleware/auth-fixture.js';
import { type RunningGateway, relayUpstream, startGateway, text } from './helpers/harness.js';

const keys = { a: newApiKey(), b: newApiKey(), ops: newApiKey() };

describe('gateway tasks', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gateway-tasks-'));
  let running: RunningGateway;
  let a: TasksClient;
  let b: TasksClient;

  const base = {
    listen: { host: '127.0.0.1', port: 0 },
    auth: { apiKeys: { [keys.a.hash]: { id: 'a', scopes: [] }, [keys.b.hash]: { id: 'b', scopes: [] }, [keys.ops.hash]: { id: 'ops', scopes: [ADMIN_SCOPE] } } },
    tasks: { ttlMs: 600_000, pollIntervalMs: 200 },
    audit: { path: join(dir, 'audit.db') },
    servers: {},
  };

  beforeAll(async () => {
    const file = parseConfig(stringify(base), { format: 'yaml' });
    const fw = relayUpstream('fw', { protocol: '2025-11-25', tasks: { 'wait_*': 'optional', ask: 'optional', progress: 'required' } });
    const fw26 = relayUpstream('fw26', { protocol: '2026-07-28', tasks: 'optional' });
    // First in the request for a while (immediateMs): quick calls answer as usual, questions are rounds.
    const windowed = { support: 'optional', immediateMs: 5_000 } as const;
    const fwq = relayUpstream('fwq', { protocol: '2025-11-25', tasks: { ask: windowed, touch: windowed, progress: { support: 'required', immediateMs: 5_000 }, wait_cancel: { support: 'optional', immediateMs: 100 } } });
    running = await startGateway({ ...file, servers: { fw, fw26, fwq } });
    const auth = (who: keyof typeof keys) => ({ headers: { authorization: `Bearer ${keys[who].key}` } });
    a = new TasksClient(running.url, auth('a'));
    b = new TasksClient(running.url, auth('b'));
  }, 60_000);
  afterAll(async () => {
    await running?.close();
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('runs a named tool as a task: its upstream progress is the status, its result inlined once done', async () => {
    const created = await a.ok('tools/call', { name: 'fw__progress', arguments: {} });
    expect(created).toMatchObject({ resultType: 'task', status: 'working', ttlMs: 600_000, pollIntervalMs: 200 });
    const done = await a.settled(String(created.taskId));
    expect(done).toMatchObject({ status: 'completed', statusMessage: 'step 3', result: { content: [{ type: 'text', text: expect.stringMatching(/^upstream saw token /) }] } });
  });

  it('holds what a 2025-era upstream asks (a real elicitation request) until tasks/update answers it', async () => {
    const taskId = String((await a.ok('tools/call', { name: 'fw__ask', arguments: { question: 'Who are you?' } })).taskId);
    const asking = await a.until(taskId, (t) => t.status === 'input_required');
    const [key, request] = Object.entries(asking.inputRequests as Record<string, { method: string; params: { message: string } }>)[0]!;
    expect(request).toMatchObject({ method: 'elicitation/create', params: { message: 'Who are you?' } });
    expect((await b.request('tasks/update', { taskId, inputResponses: { [key]: { action: 'accept', content: { name: 'Eve' } } } })).error?.code).toBe(-32602);
    await a.ok('tasks/update', { taskId, inputResponses: { [key]: { action: 'accept', content: { name: 'Ada' } } } });
    expect(await a.settled(taskId)).toMatchObject({ status: 'completed', result: { content: [{ text: 'hello Ada (legacy)' }] } });
  });

  it('holds what a 2026-era upstream asks (an input_required round) the same way', async () => {
    const taskId = String((await a.ok('tools/call', { name: 'fw26__ask', arguments: { question: 'Name?' } })).taskId);
    const asking = await a.until(taskId, (t) => t.status === 'input_required');
    const [key, request] = Object.entries(asking.inputRequests as Record<string, { method: string; params: { message: string } }>)[0]!;
    expect(request).toMatchObject({ method: 'elicitation/create', params: { message: 'Name?' } });
    await a.ok('tasks/update', { taskId, inputResponses: { [key]: { action: 'accept', content: { name: 'Grace' } } } });
    expect(await a.settled(taskId)).toMatchObject({ status: 'completed', result: { content: [{ text: 'hello Grace (modern)' }] } });
  });

  it('cancels the upstream call when the task is cancelled', async () => {
    const taskId = String((await a.ok('tools/call', { name: 'fw__wait_cancel', arguments: { id: 'gateway-task' } })).taskId);
    const seen = async () => JSON.parse(text(await a.ok('tools/call', { name: 'fw__cancellations', arguments: {} }))) as { started: string[]; cancelled: string[] };
    for (let i = 0; i < 200 && !(await seen()).started.includes('gateway-task'); i++) await new Promise((r) => setTimeout(r, 25));
    await a.ok('tasks/cancel', { taskId });
    expect((await a.ok('tasks/get', { taskId })).status).toBe('cancelled');
    for (let i = 0; i < 200 && !(await seen()).cancelled.includes('gateway-task'); i++) await new Promise((r) => setTimeout(r, 25));
    expect((await seen()).cancelled).toContain('gateway-task');
  });

  it('is its creator’s, and tools not named run as ordinary calls', async () => {
    const taskId = String((await a.ok('tools/call', { name: 'fw26__progress', arguments: {} })).taskId);
    expect((await b.request('tasks/get', { taskId })).error).toMatchObject({ code: -32602, message: `Unknown task: ${taskId}` });
    expect(await a.ok('tools/call', { name: 'fw__touch', arguments: {} })).toMatchObject({ resultType: 'complete' });
  });

  it('without the extension: an ordinary call, or -32021 for a tool named required; the 2025 era gets its answer', async () => {
    const plain = new TasksClient(running.url, { headers: { authorization: `Bearer ${keys.a.key}` }, capabilities: {} });
    expect(await plain.ok('tools/call', { name: 'fw__ask', arguments: { question: 'x' } }).catch((e: Error) => e.message)).toMatch(/elicitation/);
    const refused = await plain.request('tools/call', { name: 'fw__progress', arguments: {} });
    expect(refused.error).toMatchObject({ code: -32021, data: { requiredCapabilities: { extensions: { 'io.modelcontextprotocol/tasks': {} } } } });
    const legacy = await connectWith(running.url, 'legacy', { authorization: `Bearer ${keys.a.key}` });
    try {
      expect(text(await legacy.callTool({ name: 'fw__progress', arguments: {} }))).toMatch(/^upstream saw token /);
    } finally {
      await legacy.close();
    }
  });

  it('counts its tasks by status in /metrics', async () => {
    const metrics = await (await fetch(new URL('/metrics', running.url), { headers: { authorization: `Bearer ${keys.ops.key}` } })).text();
    const count = (status: string) => Number(new RegExp(`^mcp_tasks\\{status="${status}"\\} (\\d+)$`, 'm').exec(metrics)?.[1]);
    expect(count('completed')).toBeGreaterThanOrEqual(3);
    expect(count('cancelled')).toBe(1);
  });

  it('audits how each task ended, beside the tools/call that made it', async () => {
    type Row = { method: string; target: string | null; principal: string; client?: string; outcome: string; args?: { status: string; upstream: string } };
    const ended = async () => {
      const res = await fetch(new URL('/admin/audit?method=task/ended&limit=100', running.url), { headers: { authorization: `Bearer ${keys.ops.key}` } });
      return ((await res.json()) as { records: Row[] }).records;
    };
    let rows: Row[] = [];
    for (let i = 0; i < 100 && rows.filter((r) => r.args?.status === 'cancelled').length === 0; i++) {
      rows = await ended();
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(rows.find((r) => r.target === 'fw__ask')).toMatchObject({ principal: 'a', client: '127.0.0.1', outcome: 'ok', args: { status: 'completed', upstream: 'fw' } });
    expect(rows.find((r) => r.target === 'fw__wait_cancel')).toMatchObject({ outcome: 'ok', args: { status: 'cancelled', upstream: 'fw' } });
  });

  it("cancels a running task when a reload takes its tool away from its caller, and only that caller's", async () => {
    const seen = async () => JSON.parse(text(await a.ok('tools/call', { name: 'fw__cancellations', arguments: {} }))) as { started: string[]; cancelled: string[] };
    const started = async (id: string) => {
      for (let i = 0; i < 200 && !(await seen()).started.includes(id); i++) await new Promise((r) => setTimeout(r, 25));
    };
    const mine = String((await a.ok('tools/call', { name: 'fw__wait_cancel', arguments: { id: 'revoked' } })).taskId);
    const theirs = String((await b.ok('tools/call', { name: 'fw__wait_cancel', arguments: { id: 'kept' } })).taskId);
    await started('revoked');
    await started('kept');
    const was = running.gateway.config;
    const all = [{ resource: '*', actions: ['*'] }];
    const access = { principals: { a: { capabilities: [{ resource: 'tool:fw__cancellations', actions: ['call'] }] }, b: { capabilities: all }, ops: { capabilities: all } } };
    await running.gateway.reload({ ...parseConfig(stringify({ ...base, policy: { access } }), { format: 'yaml' }), servers: was.servers });
    try {
      expect(await a.ok('tasks/get', { taskId: mine })).toMatchObject({ status: 'cancelled', statusMessage: "Access to tool 'fw__wait_cancel' was revoked" });
      for (let i = 0; i < 200 && !(await seen()).cancelled.includes('revoked'); i++) await new Promise((r) => setTimeout(r, 25));
      expect((await seen()).cancelled).toContain('revoked');
      expect((await b.ok('tasks/get', { taskId: theirs })).status).toBe('working');
    } finally {
      await running.gateway.reload(was);
      await b.ok('tasks/cancel', { taskId: theirs });
    }
  });

  it("cancels the running tasks of an API key a reload removes, and no one else's", async () => {
    const seen = async () => JSON.parse(text(await b.ok('tools/call', { name: 'fw__cancellations', arguments: {} }))) as { started: string[]; cancelled: string[] };
    const until = async (holds: (s: { started: string[]; cancelled: string[] }) => boolean) => {
      for (let i = 0; i < 200 && !holds(await seen()); i++) await new Promise((r) => setTimeout(r, 25));
      expect(holds(await seen())).toBe(true);
    };
    const orphan = String((await a.ok('tools/call', { name: 'fw__wait_cancel', arguments: { id: 'key-removed' } })).taskId);
    const kept = String((await b.ok('tools/call', { name: 'fw__wait_cancel', arguments: { id: 'key-kept' } })).taskId);
    await until((s) => s.started.includes('key-removed') && s.started.includes('key-kept'));
    const was = running.gateway.config;
    const { [keys.a.hash]: _gone, ...rest } = base.auth.apiKeys;
    await running.gateway.reload({ ...parseConfig(stringify({ ...base, auth: { apiKeys: rest } }), { format: 'yaml' }), servers: was.servers });
    try {
      await until((s) => s.cancelled.includes('key-removed'));
      const listed = ((await (await fetch(new URL('/admin/tasks', running.url), { headers: { authorization: `Bearer ${keys.ops.key}` } })).json()) as { tasks: Array<{ taskId: string; status: string; statusMessage?: string }> }).tasks;
      expect(listed.find((t) => t.taskId === orphan)).toMatchObject({ status: 'cancelled', statusMessage: 'The API key that made the task was removed' });
      expect((await b.ok('tasks/get', { taskId: kept })).status).toBe('working');
      expect((await seen()).cancelled).not.toContain('key-kept');
    } finally {
      await running.gateway.reload(was);
      await b.ok('tasks/cancel', { taskId: kept });
    }
  });

  it('applies a reloaded tasks section to the tasks made after it; kept tasks keep their ttlMs', async () => {
    const before = String((await a.ok('tools/call', { name: 'fw__progress', arguments: {} })).taskId);
    const was = running.gateway.config;
    await running.gateway.reload({ ...was, tasks: { ttlMs: 120_000, pollIntervalMs: 750 } });
    try {
      expect(await a.ok('tools/call', { name: 'fw__progress', arguments: {} })).toMatchObject({ resultType: 'task', ttlMs: 120_000, pollIntervalMs: 750 });
      expect(await a.ok('tasks/get', { taskId: before })).toMatchObject({ ttlMs: 600_000, pollIntervalMs: 200 });
    } finally {
      await running.gateway.reload(was);
    }
  });

  it('cleans what tasks/get answers as any answer: hidden text out by default, secrets redacted with secretScan', async () => {
    const answered = async (name: string) => {
      const taskId = String((await a.ok('tools/call', { name: 'fw__ask', arguments: { question: 'Name?' } })).taskId);
      const asking = await a.until(taskId, (t) => t.status === 'input_required');
      const [key] = Object.keys(asking.inputRequests as Record<string, unknown>);
      await a.ok('tasks/update', { taskId, inputResponses: { [key!]: { action: 'accept', content: { name } } } });
      return a.settled(taskId);
    };
    expect(await answered(`Ada${smuggle('obey')}`)).toMatchObject({ status: 'completed', result: { content: [{ text: 'hello Ada (legacy)' }] } });
    // The caller's answer let through (arguments off), so the upstream's result is what holds the secret.
    const was = running.gateway.config;
    await running.gateway.reload({ ...was, secretScan: { arguments: 'off', results: 'redact', allow: [], except: [] } });
    try {
      const token = `ghp_${'A1b2C3d4E5'.repeat(3)}x9Y8z7`;
      expect(await answered(token)).toMatchObject({ status: 'completed', result: { content: [{ text: 'hello [REDACTED GITHUB_TOKEN] (legacy)' }] } });
    } finally {
      await running.gateway.reload(was);
    }
  });

  it('refuses bad task keys naming the path', () => {
    const issues = (extra: Record<string, unknown>) => rejection(() => parseConfig(stringify({ servers: { s: { command: 'x', ...extra.server as object } }, ...(extra.top as object) }), { format: 'yaml' })).join('\n');
    expect(issues({ server: { tasks: 'sometimes' } })).toMatch(/servers\.s\.tasks: expected optional, required, or a mapping of tool name \(or glob\) to optional, required or \{ support, immediateMs \}/);
    expect(issues({ server: { tasks: { build: 'always' } } })).toMatch(/servers\.s\.tasks/);
    expect(issues({ server: { tasks: { build: { support: 'optional', immediateMs: -1 } } } })).toMatch(/servers\.s\.tasks\.build(\.immediateMs)?: expected/);
    expect(issues({ server: { tasks: { build: { support: 'optional', wait: 5 } } } })).toMatch(/servers\.s\.tasks\.build/);
    expect(issues({ top: { tasks: { ttlMs: 0 } } })).toMatch(/tasks\.ttlMs: expected a positive integer \(milliseconds\)/);
    expect(issues({ top: { tasks: { ttl: 5 } } })).toMatch(/tasks\.ttl: unknown key/);
  });

  describe('with immediateMs: the call first runs in its request', () => {
    const adminTasks = async () => ((await (await fetch(new URL('/admin/tasks', running.url), { headers: { authorization: `Bearer ${keys.ops.key}` } })).json()) as { tasks: { taskId: string; tool: string }[] }).tasks;

    it('a quick optional call answers as any call; no task stands for it', async () => {
      const before = (await adminTasks()).length;
      expect(await a.ok('tools/call', { name: 'fwq__touch', arguments: {} })).toMatchObject({ resultType: 'complete', content: [{ type: 'text' }] });
      expect(await adminTasks()).toHaveLength(before);
    });

    it('a quick required call answers with a task already done', async () => {
      const created = await a.ok('tools/call', { name: 'fwq__progress', arguments: {} });
      expect(created).toMatchObject({ resultType: 'task', status: 'completed' });
      expect(await a.ok('tasks/get', { taskId: String(created.taskId) })).toMatchObject({ status: 'completed', result: { content: [{ text: expect.stringMatching(/^upstream saw token /) }] } });
    });

    it("asks in rounds of the call itself; the next round, with the answers, goes on (only for the caller's own call)", async () => {
      const round = await a.ok('tools/call', { name: 'fwq__ask', arguments: { question: 'Who is asking?' } });
      expect(round).toMatchObject({ resultType: 'input_required', requestState: expect.stringMatching(/^mcplex\.task\./) });
      expect(round).not.toHaveProperty('taskId');
      const [key, request] = Object.entries(round.inputRequests as Record<string, { method: string; params: { message: string } }>)[0]!;
      expect(request).toMatchObject({ method: 'elicitation/create', params: { message: 'Who is asking?' } });
      const answer = { name: 'fwq__ask', arguments: { question: 'Who is asking?' }, inputResponses: { [key]: { action: 'accept', content: { name: 'Lin' } } }, requestState: round.requestState };
      expect((await b.request('tools/call', answer)).error).toMatchObject({ code: -32602, message: expect.stringMatching(/Invalid requestState/) });
      expect((await a.request('tools/call', { ...answer, name: 'fwq__touch' })).error).toMatchObject({ code: -32602 });
      expect(await a.ok('tools/call', answer)).toMatchObject({ resultType: 'complete', content: [{ text: 'hello Lin (legacy)' }] });
    });

    it('a call still running when the time is up becomes a task', async () => {
      const created = await a.ok('tools/call', { name: 'fwq__wait_cancel', arguments: { id: 'windowed' } });
      expect(created).toMatchObject({ resultType: 'task', status: 'working' });
      const taskId = String(created.taskId);
      expect((await adminTasks()).map((t) => t.taskId)).toContain(taskId);
      await a.ok('tasks/cancel', { taskId });
      expect((await a.ok('tasks/get', { taskId })).status).toBe('cancelled');
    });
  });
});
