// The conformance fixture, built only with the mcplex framework: every tool, resource and prompt that
// @modelcontextprotocol/conformance@0.2.0-alpha.12 server mode requires for 2025-11-25 and 2026-07-28 (and pending).
import { z } from 'zod';
import { createServer, type Logger, type McplexServer, ToolError } from '../../src/index.js';
import { addRevision2026 } from './fixture-input.js';
import { addTaskTools } from './fixture-tasks.js';
import { COMPLETIONS, ENUM_FORM, JSON_SCHEMA_2020_12, TEST_AUDIO_BASE64, TEST_IMAGE_BASE64, TEXT } from './fixture-data.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const none = z.object({});

function addTools(s: McplexServer): void {
  s.tool('test_simple_text', { description: 'Tests simple text content response', input: none }, () => TEXT.simple);
  s.tool('test_image_content', { description: 'Tests image content response', input: none }, () => ({
    content: [{ type: 'image', data: TEST_IMAGE_BASE64, mimeType: 'image/png' }],
  }));
  s.tool('test_audio_content', { description: 'Tests audio content response', input: none }, () => ({
    content: [{ type: 'audio', data: TEST_AUDIO_BASE64, mimeType: 'audio/wav' }],
  }));
  s.tool('test_embedded_resource', { description: 'Tests embedded resource content response', input: none }, () => ({
    content: [{ type: 'resource', resource: { uri: 'test://embedded-resource', mimeType: 'text/plain', text: TEXT.embedded } }],
  }));
  s.tool(
    'test_multiple_content_types',
    { description: 'Tests response with multiple content types (text, image, resource)', input: none },
    () => ({
      content: [
        { type: 'text', text: TEXT.mixedIntro },
        { type: 'image', data: TEST_IMAGE_BASE64, mimeType: 'image/png' },
        {
          type: 'resource',
          resource: { uri: 'test://mixed-content-resource', mimeType: 'application/json', text: JSON.stringify({ test: 'data', value: 123 }) },
        },
      ],
    }),
  );
  s.tool('test_tool_with_logging', { description: 'Tests tool that emits log messages during execution', input: none }, async (_a, ctx) => {
    for (const [i, line] of TEXT.logLines.entries()) {
      if (i > 0) await sleep(50);
      await ctx.log('info', line);
    }
    return TEXT.logging;
  });
  s.tool('test_tool_with_progress', { description: 'Tests tool that reports progress notifications', input: none }, async (_a, ctx) => {
    for (const done of [0, 50, 100]) {
      if (done > 0) await sleep(50);
      await ctx.progress(done, 100, `Completed step ${done} of 100`);
    }
    return String(ctx.meta.progressToken ?? 0);
  });
  s.tool('test_error_handling', { description: 'Tests error response handling', input: none }, () => {
    throw new ToolError(TEXT.error);
  });
  s.tool(
    'test_sampling',
    { description: 'Tests server-initiated sampling (LLM completion request)', input: z.object({ prompt: z.string().describe('The prompt to send to the LLM') }) },
    async ({ prompt }, ctx) => {
      const r = await ctx.sample({ messages: [{ role: 'user', content: { type: 'text', text: prompt } }], maxTokens: 100 });
      const content = Array.isArray(r.content) ? r.content[0] : r.content;
      return `LLM response: ${content?.type === 'text' ? content.text : 'No response'}`;
    },
  );
  s.tool(
    'test_elicitation',
    { description: 'Tests server-initiated elicitation (user input request)', input: z.object({ message: z.string().describe('The message to show the user') }) },
    async ({ message }, ctx) => {
      const form = z.object({
        username: z.string().describe("User's response"),
        email: z.string().describe("User's email address"),
      });
      const r = await ctx.elicit(message, form);
      return `User response: action=${r.action}, content=${JSON.stringify(r.action === 'accept' ? r.content : {})}`;
    },
  );
  s.tool('test_elicitation_sep1034_defaults', { description: 'Tests elicitation with default values per SEP-1034', input: none }, async (_a, ctx) => {
    const form = z.object({
      name: z.string().describe('User name').default('John Doe'),
      age: z.int().describe('User age').default(30),
      score: z.number().describe('User score').default(95.5),
      status: z.enum(['active', 'inactive', 'pending']).describe('User status').default('active'),
      verified: z.boolean().describe('Verification status').default(true),
    });
    const r = await ctx.elicit('Please review and update the form fields with defaults', form);
    return `Elicitation completed: action=${r.action}, content=${JSON.stringify(r.action === 'accept' ? r.content : {})}`;
  });
  s.tool('test_elicitation_sep1330_enums', { description: 'Tests elicitation with enum schema improvements per SEP-1330', input: none }, async (_a, ctx) => {
    const r = await ctx.elicit('Please select options from the enum fields', ENUM_FORM);
    return `Elicitation completed: action=${r.action}, content=${JSON.stringify(r.action === 'accept' ? r.content : {})}`;
  });
  // Pending suite.
  s.tool(
    'json_schema_2020_12_tool',
    { description: 'Tool with JSON Schema 2020-12 features for conformance testing (SEP-1613)', input: JSON_SCHEMA_2020_12 },
    (args) => `JSON Schema 2020-12 tool called with: ${JSON.stringify(args)}`,
  );
  // SEP-2243: a parameter mirrored in an Mcp-Param-Region header (http-custom-header-server-validation).
  s.tool(
    'test_param_headers',
    { description: 'Echoes a region that clients also send in the Mcp-Param-Region header (SEP-2243)', input: z.object({ region: z.string().meta({ 'x-mcp-header': 'Region' }) }) },
    ({ region }) => `region ${region}`,
  );
  s.tool(
    'test_reconnection',
    {
      description:
        'Tests SSE stream disconnection and client reconnection (SEP-1699). Server will close the stream mid-call and send the result after client reconnects.',
      input: none,
    },
    // The stream ends mid-call, the result comes to the client's reconnection (2025-era HTTP sessions; elsewhere the
    // call simply answers). The log line first makes the answer a stream through a gateway too.
    async (_a, ctx) => {
      await ctx.log('info', 'closing the response stream: reconnect with Last-Event-ID for the result');
      ctx.closeStream();
      await sleep(100);
      return TEXT.reconnection;
    },
  );
}

function addResources(s: McplexServer): void {
  const fixed = (uri: string, name: string, description: string, mimeType: string, body: { text: string } | { blob: string }) =>
    s.resource(uri, { name, title: name, description, mimeType }, () => ({ contents: [{ uri, mimeType, ...body }] }));
  fixed('test://static-text', 'static-text', 'A static text resource for testing', 'text/plain', { text: TEXT.staticText });
  fixed('test://static-binary', 'static-binary', 'A static binary resource (image) for testing', 'image/png', { blob: TEST_IMAGE_BASE64 });
  fixed('test://watched-resource', 'watched-resource', 'A resource clients can subscribe to', 'text/plain', { text: TEXT.watched });
  s.resourceTemplate(
    'test://template/{id}/data',
    { name: 'template', title: 'Resource Template', description: 'A resource template with parameter substitution', mimeType: 'application/json' },
    (uri, vars) => ({
      contents: [
        { uri: uri.toString(), mimeType: 'application/json', text: JSON.stringify({ id: vars.id, templateTest: true, data: `Data for ID: ${vars.id}` }) },
      ],
    }),
    { complete: { id: (value) => ['123', '456', '789'].filter((v) => v.startsWith(value)) } },
  );
}

function addPrompts(s: McplexServer): void {
  const byPrefix = (value: string) => COMPLETIONS.filter((c) => c.startsWith(value));
  s.prompt('test_simple_prompt', { title: 'Simple Test Prompt', description: 'A simple prompt without arguments' }, () => ({
    messages: [{ role: 'user', content: { type: 'text', text: TEXT.simplePrompt } }],
  }));
  s.prompt(
    'test_prompt_with_arguments',
    {
      title: 'Prompt With Arguments',
      description: 'A prompt with required arguments',
      args: z.object({ arg1: z.string().describe('First test argument'), arg2: z.string().describe('Second test argument') }),
      complete: { arg1: byPrefix, arg2: byPrefix },
    },
    ({ arg1, arg2 }) => ({
      messages: [{ role: 'user', content: { type: 'text', text: `Prompt with arguments: arg1='${arg1}', arg2='${arg2}'` } }],
    }),
  );
  s.prompt(
    'test_prompt_with_embedded_resource',
    {
      title: 'Prompt With Embedded Resource',
      description: 'A prompt that includes an embedded resource',
      args: z.object({ resourceUri: z.string().describe('URI of the resource to embed') }),
    },
    ({ resourceUri }) => ({
      messages: [
        { role: 'user', content: { type: 'resource', resource: { uri: resourceUri, mimeType: 'text/plain', text: TEXT.embeddedPrompt } } },
        { role: 'user', content: { type: 'text', text: TEXT.embeddedPromptTail } },
      ],
    }),
  );
  s.prompt('test_prompt_with_image', { title: 'Prompt With Image', description: 'A prompt that includes image content' }, () => ({
    messages: [
      { role: 'user', content: { type: 'image', data: TEST_IMAGE_BASE64, mimeType: 'image/png' } },
      { role: 'user', content: { type: 'text', text: TEXT.imagePromptTail } },
    ],
  }));
}

/** A fresh fixture server; serve it with `.serveHttp()` (see fixture-server.ts). */
export function createFixtureServer(opts: { logger?: Logger } = {}): McplexServer {
  const server = createServer({ name: 'mcplex-conformance-fixture', version: '1.0.0', ...(opts.logger && { logger: opts.logger }) });
  addTools(server);
  addResources(server);
  addPrompts(server);
  addRevision2026(server);
  addTaskTools(server);
  return server;
}
