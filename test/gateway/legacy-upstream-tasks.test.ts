// A tool a 2025-era upstream runs only as a task (server-everything's simulate-research-query: the 2025-11-25 task
// augmentation, `execution.taskSupport: 'required'`), through the gateway: listed as a plain tool, called by callers
// of both eras as any other, its task awaited and its question relayed; a caller's own 2025 `task` is not passed on
// (the gateway serves no tasks/get of that revision), and the wait is bounded by the tool's timeout.
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSession, post, rpcMessage } from '../helpers/http.js';
import { everything, type RunningGateway, startGateway, text } from './helpers/harness.js';

const TOOL = 'ev__simulate-research-query';

describe.each(['legacy', 'modern'] as const)('%s caller', (era) => {
  let gw: RunningGateway;
  let client: Client;
  const asked: string[] = [];

  beforeAll(async () => {
    gw = await startGateway([everything('ev'), everything('brief', { toolTimeouts: { 'simulate-research-query': 1_000 } })]);
    client = await gw.connect(era, {
      options: { capabilities: { elicitation: { form: {} } } },
      setup: (c) => {
        c.setRequestHandler('elicitation/create', async (req) => {
          asked.push(String(req.params.message));
          return { action: 'accept', content: { interpretation: 'historical' } } as never;
        });
      },
    });
  }, 60_000);
  afterAll(() => gw?.close(), 30_000);

  it('lists the tool without its task requirement', async () => {
    const { tools } = await client.listTools();
    const tool = tools.find((t) => t.name === TOOL);
    expect(tool).toBeDefined();
    expect((tool as { execution?: { taskSupport?: string } }).execution?.taskSupport).toBeUndefined();
  });

  it('answers a call with the result its task ended with', async () => {
    const result = await client.callTool({ name: TOOL, arguments: { topic: 'tides' } });
    expect(result.isError).toBeFalsy();
    expect(text(result)).toMatch(/^# Research Report: tides\n/);
    expect(text(result)).toContain('Stage 4: Generating report ✓');
  });

  it('relays what the task asks, and answers with what the answer led to', async () => {
    asked.length = 0;
    const result = await client.callTool({ name: TOOL, arguments: { topic: 'tides', ambiguous: true } });
    expect(asked).toEqual([expect.stringContaining('The research query "tides" could have multiple interpretations')]);
    expect(text(result)).toMatch(/^# Research Report: tides \(historical\)\n/);
  });

  it('bounds the task by the tool’s timeout, and the server serves on', async () => {
    const failed = await client.callTool({ name: 'brief__simulate-research-query', arguments: { topic: 'tides' } }).then(
      (r) => ({ result: r }),
      (err: Error) => ({ error: err.message }),
    );
    expect(JSON.stringify(failed)).toMatch(/timed out|did not answer within/i);
    expect(text(await client.callTool({ name: 'brief__echo', arguments: { message: 'still here' } }))).toBe('Echo: still here');
  });
});

describe('a 2025-era caller that asks for a task itself', () => {
  let gw: RunningGateway;
  beforeAll(async () => {
    gw = await startGateway([everything('ev')]);
  }, 60_000);
  afterAll(() => gw?.close(), 30_000);

  it('gets the tool’s result, not a task of the upstream’s it could not poll here', async () => {
    const session = await openSession(gw.url);
    for (const [id, name, args] of [
      [1, TOOL, { topic: 'tides' }],
      [2, 'ev__echo', { message: 'plain' }],
    ] as const) {
      const res = await post(gw.url, { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args, task: { ttl: 60_000 } } }, session);
      const answer = rpcMessage(res);
      expect(answer.result?.task).toBeUndefined();
      expect(JSON.stringify(answer.result?.content)).toMatch(name === TOOL ? /Research Report: tides/ : /Echo: plain/);
    }
  });
});
