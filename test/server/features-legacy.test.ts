// Framework features on the 2025 era (initialize handshake) through connectInMemory and an official SDK Client:
// tools metadata, structured output, progress, logging, elicitation, sampling, cancellation, middleware, completion.
import { type Client, type ElicitResult, ProtocolError, ResourceNotFoundError } from '@modelcontextprotocol/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/core/index.js';
import { connectInMemory, type McplexServer } from '../../src/server/index.js';
import { buildServer, collect, deferred, type Observed, WEATHER_ICON, within } from './features-fixture.js';

let server: McplexServer;
let seen: Observed;
let client: Client;

beforeEach(async () => {
  ({ server, seen } = buildServer());
  client = await connectInMemory(server, { capabilities: { elicitation: { form: {} }, sampling: {} } });
});
afterEach(async () => {
  await client.close();
});

describe('legacy era (2025-11-25) in memory', () => {
  it('negotiates the legacy era', () => {
    expect(client.getProtocolEra()).toBe('legacy');
    expect(client.getServerVersion()).toMatchObject({ name: 'features', version: '1.2.3' });
    expect(client.getServerCapabilities()).toMatchObject({ tools: { listChanged: true }, resources: { subscribe: true }, logging: {} });
  });

  it('advertises title, annotations, icons and outputSchema', async () => {
    const { tools } = await client.listTools();
    const weather = tools.find((t) => t.name === 'weather');
    expect(weather).toMatchObject({
      title: 'Weather',
      description: 'Current temperature for a city',
      annotations: { readOnlyHint: true, openWorldHint: false },
      icons: [WEATHER_ICON],
      inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      outputSchema: { type: 'object', properties: { city: { type: 'string' }, tempC: { type: 'number' } } },
    });
  });

  it('returns structuredContent (and a text mirror) for a tool with an output schema', async () => {
    await client.listTools();
    const r = await client.callTool({ name: 'weather', arguments: { city: 'Oslo' } });
    expect(r.isError).toBeFalsy();
    expect(r.structuredContent).toEqual({ city: 'Oslo', tempC: 21.5 });
    expect(r.content).toEqual([{ type: 'text', text: JSON.stringify({ city: 'Oslo', tempC: 21.5 }) }]);
    expect(seen.handlerEras).toEqual(['legacy']);
  });

  it('turns output that breaks the output schema into an isError result', async () => {
    const r = await client.callTool({ name: 'bad_output', arguments: {} });
    expect(r.isError).toBe(true);
    expect((r.content as Array<{ text: string }>)[0]!.text).toMatch(/does not match its outputSchema/);
  });

  it('turns invalid arguments into an isError result naming the field', async () => {
    const r = await client.callTool({ name: 'weather', arguments: { city: 42 } });
    expect(r.isError).toBe(true);
    expect((r.content as Array<{ text: string }>)[0]!.text).toMatch(/Invalid arguments for tool 'weather'[\s\S]*city/);
  });

  it('middleware sees method, target and era, and its WireError code reaches the client', async () => {
    const err = await client.callTool({ name: 'forbidden', arguments: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProtocolError);
    expect((err as ProtocolError).code).toBe(ErrorCode.Forbidden);
    expect((err as ProtocolError).message).toContain('Forbidden by policy');
    expect((err as ProtocolError).data).toEqual({ tool: 'forbidden' });
    await client.readResource({ uri: 'mem://greeting' });
    expect(seen.middleware).toContainEqual({ method: 'tools/call', target: 'forbidden', era: 'legacy' });
    expect(seen.middleware).toContainEqual({ method: 'resources/read', target: 'mem://greeting', era: 'legacy' });
  });

  it('delivers progress notifications to onprogress', async () => {
    const progress: Array<{ progress: number; total?: number; message?: string }> = [];
    const r = await client.callTool({ name: 'slow', arguments: { steps: 3 } }, { onprogress: (p) => progress.push(p) });
    expect(r.content).toEqual([{ type: 'text', text: 'done 3' }]);
    expect(progress).toEqual([
      { progress: 1, total: 3, message: 'step 1' },
      { progress: 2, total: 3, message: 'step 2' },
      { progress: 3, total: 3, message: 'step 3' },
    ]);
  });

  it('sends log notifications honouring logging/setLevel', async () => {
    const logs = collect<{ level: string; data: unknown }>(client, 'notifications/message');
    await client.setLoggingLevel('info');
    await client.callTool({ name: 'chatty', arguments: {} });
    await logs.waitFor(1);
    expect(logs.items).toEqual([{ level: 'warning', data: { note: 'disk almost full' } }]);
  });

  it('elicits with real elicitation/create requests (two in one handler, one run)', async () => {
    const asked: string[] = [];
    client.setRequestHandler('elicitation/create', async (req): Promise<ElicitResult> => {
      asked.push(req.params.message);
      if (req.params.message === 'Your name?') return { action: 'accept', content: { name: 'Ada' } };
      return { action: 'accept', content: { ok: true } };
    });
    const r = await client.callTool({ name: 'two_questions', arguments: {} });
    expect(r.content).toEqual([{ type: 'text', text: 'hello Ada, ok=true' }]);
    expect(asked).toEqual(['Your name?', 'Really Ada?']);
    expect(seen.twoQuestionRuns).toBe(1);
  });

  it('passes a declined elicitation to the handler', async () => {
    client.setRequestHandler('elicitation/create', async () => ({ action: 'decline' }));
    const r = await client.callTool({ name: 'two_questions', arguments: {} });
    expect(r.content).toEqual([{ type: 'text', text: 'no name (decline)' }]);
  });

  it('elicit() against a client without the elicitation capability is a tool error, not a crash', async () => {
    const bare = await connectInMemory(server);
    try {
      const r = await bare.callTool({ name: 'two_questions', arguments: {} });
      expect(r).toEqual({ content: [{ type: 'text', text: 'Could not ask the user for input: Client does not support form elicitation.' }], isError: true });
    } finally {
      await bare.close();
    }
  });

  it('samples through sampling/createMessage', async () => {
    client.setRequestHandler('sampling/createMessage', async (req) => {
      const first = req.params.messages[0]!.content as { type: 'text'; text: string };
      return { role: 'assistant', model: 'test-model', content: { type: 'text', text: `<${first.text}>` } };
    });
    const r = await client.callTool({ name: 'summarize', arguments: { text: 'long text' } });
    expect(r.content).toEqual([{ type: 'text', text: 'summary: <Summarize: long text> (test-model)' }]);
  });

  it('aborts the handler signal when the client aborts the call', async () => {
    const ac = new AbortController();
    const call = client.callTool({ name: 'wait_for_cancel', arguments: {} }, { signal: ac.signal });
    await within(seen.waitStarted.promise, 'the handler to start');
    ac.abort('user pressed stop');
    await expect(call).rejects.toThrow();
    const reason = await within(seen.waitAborted.promise, 'the server to observe the abort');
    expect(String(reason)).toContain('user pressed stop');
  });

  it('cancelling a call also cancels its pending elicitation', async () => {
    // KNOWN BUG (src/server/elicitation.ts, fix proposed in the report): legacyInput() sends elicitation/create
    // without the call's signal, so a cancelled call leaves the question open and the handler waits for the answer.
    const asked = deferred<void>();
    let clientSawCancel = false;
    client.setRequestHandler('elicitation/create', async (_req, ctx) => {
      asked.resolve();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 3_000);
        ctx.mcpReq.signal.addEventListener('abort', () => {
          clientSawCancel = true;
          clearTimeout(timer);
          resolve();
        });
      });
      return { action: 'decline' };
    });
    const ac = new AbortController();
    const call = client.callTool({ name: 'ask_once', arguments: {} }, { signal: ac.signal });
    await within(asked.promise, 'the elicitation request');
    ac.abort('user pressed stop');
    await expect(call).rejects.toThrow();
    const ended = await within(seen.askSettled.promise, 'the elicit() call to settle', 4_000);
    expect(ended, 'elicit() kept waiting for an answer after the call was cancelled').not.toBe('answered');
    expect(clientSawCancel).toBe(true);
  });

  it('reads a fixed resource and a template, and completes template variables', async () => {
    const fixed = await client.readResource({ uri: 'mem://greeting' });
    expect(fixed.contents).toEqual([{ uri: 'mem://greeting', mimeType: 'text/plain', text: 'hello' }]);
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates).toEqual([
      { uriTemplate: 'users://{id}/profile', name: 'profile', description: 'A user profile', mimeType: 'application/json' },
    ]);
    const profile = await client.readResource({ uri: 'users://alice/profile' });
    expect(JSON.parse((profile.contents[0] as { text: string }).text)).toEqual({ id: 'alice' });
    const c = await client.complete({ ref: { type: 'ref/resource', uri: 'users://{id}/profile' }, argument: { name: 'id', value: 'al' } });
    expect(c.completion).toEqual({ values: ['alice', 'albert'], total: 2, hasMore: false });
  });

  it('unknown resources fail as ResourceNotFoundError (the SDK puts -32602 on the wire in both eras)', async () => {
    const err = await client.readResource({ uri: 'mem://missing' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResourceNotFoundError);
    expect(err).toMatchObject({ code: ErrorCode.InvalidParams, data: { uri: 'mem://missing' } });
  });

  it('lists, renders and completes prompts with arguments', async () => {
    const { prompts } = await client.listPrompts();
    expect(prompts).toEqual([
      {
        name: 'greet',
        description: 'Greets someone',
        arguments: [
          { name: 'name', description: 'Who to greet', required: true },
          { name: 'style', required: false },
        ],
      },
    ]);
    const p = await client.getPrompt({ name: 'greet', arguments: { name: 'Ada', style: 'warmly' } });
    expect(p.messages).toEqual([{ role: 'user', content: { type: 'text', text: 'Greet Ada warmly' } }]);
    await expect(client.getPrompt({ name: 'greet', arguments: {} })).rejects.toMatchObject({ code: ErrorCode.InvalidParams });
    const c = await client.complete({ ref: { type: 'ref/prompt', name: 'greet' }, argument: { name: 'name', value: 'A' } });
    expect(c.completion.values).toEqual(['Ada', 'Alan']);
  });
});
