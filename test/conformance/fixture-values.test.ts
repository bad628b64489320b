// Exact-value checks the official suite is too shallow for (it passes "tool not found" as test_error_handling):
// the official SDK Client over Streamable HTTP against the fixture, asserting the documented payloads verbatim.
import { Client, type ElicitRequest, type ElicitRequestFormParams, type ElicitResult, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpHandle, silentLogger } from '../../src/index.js';
import { createFixtureServer } from './fixture-app.js';
import { COMPLETIONS, ENUM_FORM, JSON_SCHEMA_2020_12, TEST_AUDIO_BASE64, TEST_IMAGE_BASE64, TEXT } from './fixture-data.js';

// The tasks scenarios' tools (fixture-tasks.ts) sort among them.
const TOOLS = [
  'confirm_delete',
  'failing_job',
  'greet',
  'json_schema_2020_12_tool',
  'multi_input',
  'protocol_error_job',
  'slow_compute',
  'test_audio_content',
  'test_elicitation',
  'test_elicitation_sep1034_defaults',
  'test_elicitation_sep1330_enums',
  'test_embedded_resource',
  'test_error_handling',
  'test_image_content',
  'test_input_required_result_capabilities',
  'test_input_required_result_elicitation',
  'test_input_required_result_list_roots',
  'test_input_required_result_multi_round',
  'test_input_required_result_multiple_inputs',
  'test_input_required_result_request_state',
  'test_input_required_result_sampling',
  'test_input_required_result_tampered_state',
  'test_logging_tool',
  'test_missing_capability',
  'test_multiple_content_types',
  'test_param_headers',
  'test_reconnection',
  'test_sampling',
  'test_simple_text',
  'test_streaming_elicitation',
  'test_tool_with_logging',
  'test_tool_with_progress',
  'test_tool_with_task',
  'test_trigger_prompt_change',
  'test_trigger_tool_change',
];
const PROMPTS = [
  'test_input_required_result_prompt',
  'test_prompt_with_arguments',
  'test_prompt_with_embedded_resource',
  'test_prompt_with_image',
  'test_simple_prompt',
];

let http: HttpHandle;
let client: Client;
const elicitations: ElicitRequestFormParams[] = [];
let answer: (p: ElicitRequest['params']) => ElicitResult = () => ({ action: 'decline' });
const sampled: unknown[] = [];
const logs: { level: string; data: unknown }[] = [];

beforeAll(async () => {
  http = await createFixtureServer({ logger: silentLogger }).serveHttp({ host: '127.0.0.1', port: 0 });
  client = new Client({ name: 'fixture-values', version: '1.0.0' }, { capabilities: { sampling: {}, elicitation: { form: {} } } });
  client.setRequestHandler('elicitation/create', async (req) => {
    if ('requestedSchema' in req.params) elicitations.push(req.params);
    return answer(req.params);
  });
  client.setRequestHandler('sampling/createMessage', async (req) => {
    sampled.push(req.params);
    return { role: 'assistant', content: { type: 'text', text: 'forty-two' }, model: 'test-model', stopReason: 'endTurn' };
  });
  client.setNotificationHandler('notifications/message', (n) => {
    logs.push({ level: n.params.level, data: n.params.data });
  });
  await client.connect(new StreamableHTTPClientTransport(new URL(http.url)));
}, 30_000);

afterAll(async () => {
  await client?.close();
  await http?.close();
}, 15_000);

const call = (name: string, args: Record<string, unknown> = {}) => client.callTool({ name, arguments: args });
const until = async (cond: () => boolean, ms = 2000) => {
  for (const end = Date.now() + ms; !cond() && Date.now() < end; ) await new Promise((r) => setTimeout(r, 10));
};

describe('fixture tools, exact values', () => {
  it('lists exactly the expected tools, each described, with the 2020-12 schema verbatim', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(TOOLS);
    for (const t of tools) expect(t.description, t.name).toMatch(/\S/);
    expect(tools.find((t) => t.name === 'json_schema_2020_12_tool')?.inputSchema).toEqual(JSON_SCHEMA_2020_12);
    expect(tools.find((t) => t.name === 'test_sampling')?.inputSchema).toMatchObject({ required: ['prompt'] });
  });

  it('returns the documented content blocks', async () => {
    expect(await call('test_simple_text')).toEqual({ content: [{ type: 'text', text: TEXT.simple }] });
    expect((await call('test_image_content')).content).toEqual([{ type: 'image', data: TEST_IMAGE_BASE64, mimeType: 'image/png' }]);
    expect((await call('test_audio_content')).content).toEqual([{ type: 'audio', data: TEST_AUDIO_BASE64, mimeType: 'audio/wav' }]);
    expect((await call('test_embedded_resource')).content).toEqual([
      { type: 'resource', resource: { uri: 'test://embedded-resource', mimeType: 'text/plain', text: TEXT.embedded } },
    ]);
    const mixed = (await call('test_multiple_content_types')).content as { type: string }[];
    expect(mixed.map((c) => c.type)).toEqual(['text', 'image', 'resource']);
    expect(mixed[2]).toMatchObject({ resource: { uri: 'test://mixed-content-resource', mimeType: 'application/json', text: '{"test":"data","value":123}' } });
    expect((await call('test_reconnection')).content).toEqual([{ type: 'text', text: TEXT.reconnection }]);
  });

  it('test_error_handling is an isError result with its own message; an unknown tool is a protocol error', async () => {
    expect(await call('test_error_handling')).toEqual({ content: [{ type: 'text', text: TEXT.error }], isError: true });
    await expect(call('no_such_tool')).rejects.toMatchObject({ code: -32602 });
  });

  it('emits three info logs in order, and honours the client log level', async () => {
    await client.setLoggingLevel('debug');
    logs.length = 0;
    expect((await call('test_tool_with_logging')).content).toEqual([{ type: 'text', text: TEXT.logging }]);
    await until(() => logs.length >= 3);
    expect(logs).toEqual(TEXT.logLines.map((data) => ({ level: 'info', data })));
    await client.setLoggingLevel('warning');
    logs.length = 0;
    await call('test_tool_with_logging');
    await new Promise((r) => setTimeout(r, 100));
    expect(logs).toEqual([]);
  });

  it('reports progress 0, 50, 100 of 100 to the caller', async () => {
    const seen: unknown[] = [];
    const r = await client.callTool({ name: 'test_tool_with_progress', arguments: {} }, { onprogress: (p) => seen.push(p) });
    expect(seen).toEqual([0, 50, 100].map((progress) => ({ progress, total: 100, message: `Completed step ${progress} of 100` })));
    expect(r.content).toEqual([{ type: 'text', text: expect.stringMatching(/^\S+$/) }]);
  });

  it('test_sampling sends the documented createMessage and echoes the reply', async () => {
    sampled.length = 0;
    expect((await call('test_sampling', { prompt: 'What is six times seven?' })).content).toEqual([{ type: 'text', text: 'LLM response: forty-two' }]);
    // On a 2025-era session the request also names its place (for a gateway bridging it to a 2026 caller).
    expect(sampled).toEqual([
      {
        messages: [{ role: 'user', content: { type: 'text', text: 'What is six times seven?' } }],
        maxTokens: 100,
        _meta: { 'io.mcplex/input': { key: 'mcplex.input.0', round: 0, of: 1 } },
      },
    ]);
    expect((await call('test_sampling', {})).isError).toBe(true);
  });
});

describe('fixture elicitation, exact values', () => {
  it('test_elicitation asks for username and email and reports the answer', async () => {
    elicitations.length = 0;
    answer = () => ({ action: 'accept', content: { username: 'ada', email: 'ada@example.com' } });
    const r = await call('test_elicitation', { message: 'Who are you?' });
    expect(r.content).toEqual([{ type: 'text', text: 'User response: action=accept, content={"username":"ada","email":"ada@example.com"}' }]);
    expect(elicitations[0]).toMatchObject({ mode: 'form', message: 'Who are you?' });
    expect(elicitations[0]?.requestedSchema).toMatchObject({ type: 'object', required: ['username', 'email'] });
    answer = () => ({ action: 'decline' });
    expect((await call('test_elicitation', { message: 'x' })).content).toEqual([{ type: 'text', text: 'User response: action=decline, content={}' }]);
    answer = () => ({ action: 'accept', content: { username: 'ada' } });
    const bad = await call('test_elicitation', { message: 'x' });
    expect(bad.isError).toBe(true);
    // The SDK validates the answer against the requested schema before the handler sees it.
    expect(JSON.stringify(bad.content)).toMatch(/does not match requested schema.*'email'/);
  });

  it('SEP-1034 defaults and SEP-1330 enums go out exactly as declared', async () => {
    elicitations.length = 0;
    answer = () => ({ action: 'accept', content: {} });
    const r = await call('test_elicitation_sep1034_defaults');
    expect(r.content).toEqual([
      { type: 'text', text: 'Elicitation completed: action=accept, content={"name":"John Doe","age":30,"score":95.5,"status":"active","verified":true}' },
    ]);
    expect(elicitations[0]?.requestedSchema.properties).toMatchObject({
      name: { type: 'string', default: 'John Doe' },
      age: { type: 'integer', default: 30 },
      score: { type: 'number', default: 95.5 },
      status: { type: 'string', enum: ['active', 'inactive', 'pending'], default: 'active' },
      verified: { type: 'boolean', default: true },
    });
    await call('test_elicitation_sep1330_enums');
    expect(elicitations[1]?.requestedSchema).toEqual(ENUM_FORM);
  });
});

describe('fixture resources, prompts and completion, exact values', () => {
  it('lists and reads the test:// resources', async () => {
    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri).sort()).toEqual(['test://static-binary', 'test://static-text', 'test://watched-resource']);
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates).toMatchObject([{ uriTemplate: 'test://template/{id}/data', name: 'template', mimeType: 'application/json' }]);
    expect((await client.readResource({ uri: 'test://static-text' })).contents).toEqual([
      { uri: 'test://static-text', mimeType: 'text/plain', text: TEXT.staticText },
    ]);
    expect((await client.readResource({ uri: 'test://static-binary' })).contents).toEqual([
      { uri: 'test://static-binary', mimeType: 'image/png', blob: TEST_IMAGE_BASE64 },
    ]);
    const [tpl] = (await client.readResource({ uri: 'test://template/123/data' })).contents as { uri: string; text: string }[];
    expect(tpl?.uri).toBe('test://template/123/data');
    expect(JSON.parse(tpl?.text ?? '')).toEqual({ id: '123', templateTest: true, data: 'Data for ID: 123' });
    // SDK 2.4.0 encodes resource-not-found as -32602 with data {uri} on every revision (-32002 is rewritten).
    await expect(client.readResource({ uri: 'test://nope' })).rejects.toMatchObject({ code: -32602, data: { uri: 'test://nope' } });
    expect(await client.subscribeResource({ uri: 'test://watched-resource' })).toEqual({});
    expect(await client.unsubscribeResource({ uri: 'test://watched-resource' })).toEqual({});
  });

  it('renders the prompts with their arguments', async () => {
    const { prompts } = await client.listPrompts();
    expect(prompts.map((p) => p.name).sort()).toEqual(PROMPTS);
    for (const p of prompts) expect(p.description, p.name).toMatch(/\S/);
    expect(prompts.find((p) => p.name === 'test_prompt_with_arguments')?.arguments).toMatchObject([
      { name: 'arg1', required: true },
      { name: 'arg2', required: true },
    ]);
    expect((await client.getPrompt({ name: 'test_simple_prompt' })).messages).toEqual([
      { role: 'user', content: { type: 'text', text: TEXT.simplePrompt } },
    ]);
    const withArgs = await client.getPrompt({ name: 'test_prompt_with_arguments', arguments: { arg1: 'alpha', arg2: 'beta' } });
    expect(withArgs.messages).toEqual([{ role: 'user', content: { type: 'text', text: "Prompt with arguments: arg1='alpha', arg2='beta'" } }]);
    await expect(client.getPrompt({ name: 'test_prompt_with_arguments', arguments: { arg1: 'a' } })).rejects.toMatchObject({ code: -32602 });
    const embedded = await client.getPrompt({ name: 'test_prompt_with_embedded_resource', arguments: { resourceUri: 'test://x' } });
    expect(embedded.messages).toEqual([
      { role: 'user', content: { type: 'resource', resource: { uri: 'test://x', mimeType: 'text/plain', text: TEXT.embeddedPrompt } } },
      { role: 'user', content: { type: 'text', text: TEXT.embeddedPromptTail } },
    ]);
    expect((await client.getPrompt({ name: 'test_prompt_with_image' })).messages).toEqual([
      { role: 'user', content: { type: 'image', data: TEST_IMAGE_BASE64, mimeType: 'image/png' } },
      { role: 'user', content: { type: 'text', text: TEXT.imagePromptTail } },
    ]);
  });

  it('completes prompt arguments and template variables with the full shape', async () => {
    const prompt = { type: 'ref/prompt' as const, name: 'test_prompt_with_arguments' };
    expect(await client.complete({ ref: prompt, argument: { name: 'arg1', value: 'pa' } })).toEqual({
      completion: { values: ['paris', 'park', 'party'], total: 3, hasMore: false },
    });
    expect((await client.complete({ ref: prompt, argument: { name: 'arg2', value: '' } })).completion.values).toEqual(COMPLETIONS);
    expect(await client.complete({ ref: prompt, argument: { name: 'arg1', value: 'zzz' } })).toEqual({ completion: { values: [], total: 0, hasMore: false } });
    const tpl = { type: 'ref/resource' as const, uri: 'test://template/{id}/data' };
    expect((await client.complete({ ref: tpl, argument: { name: 'id', value: '4' } })).completion.values).toEqual(['456']);
    expect(await client.ping()).toEqual({});
  });
});
