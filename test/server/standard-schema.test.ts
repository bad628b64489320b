// Tool, prompt and form schemas from other libraries than zod, through Standard JSON Schema: ArkType (native) and
// Valibot (its toStandardJsonSchema), in both eras: the JSON Schema on the wire comes from the library, arguments
// are validated by it (a bad call names the path; morphs reach the handler), and so are structured output and the
// answers to `ctx.elicit` / `ctx.input` forms.
import { toStandardJsonSchema } from '@valibot/to-json-schema';
import { type } from 'arktype';
import * as v from 'valibot';
import { afterAll, describe, expect, it } from 'vitest';
import { ask, connectInMemory, createServer, silentLogger } from '../../src/index.js';

const server = createServer({ name: 'standard', version: '1.0.0', logger: silentLogger });
// ArkType: a trimmed name (a morph: the handler gets the output), an optional count of at least 1.
server.tool('ark_greet', { description: 'Greets', input: type({ name: 'string.trim', 'times?': 'number.integer >= 1' }) }, ({ name, times }) => `hello ${name}`.repeat(times ?? 1));
// Valibot: an email and a bounded number, with structured output checked against its own schema.
const scored = toStandardJsonSchema(v.object({ score: v.pipe(v.number(), v.minValue(0), v.maxValue(10)) }));
server.tool(
  'vali_score',
  { description: 'Scores an address', input: toStandardJsonSchema(v.object({ email: v.pipe(v.string(), v.email()), bonus: v.optional(v.number()) })), output: scored },
  ({ email, bonus }) => ({ structuredContent: { score: email.length + (bonus ?? 0) } }),
);
// A prompt whose arguments are an ArkType object: its argument list comes from the JSON Schema ArkType writes.
server.prompt('ark_brief', { description: 'Asks for a brief answer', args: type({ topic: 'string', 'style?': 'string' }) }, ({ topic, style }) => ({
  messages: [{ role: 'user', content: { type: 'text', text: `Briefly (${style ?? 'plain'}): ${topic}` } }],
}));
// Forms: an ArkType one through ctx.elicit (a trimmed name reaches the handler), a Valibot one through ctx.input.
server.tool('ark_signup', { description: 'Asks for a name' }, async (_args, ctx) => {
  const answer = await ctx.elicit('Your name?', type({ name: 'string.trim', 'age?': 'number >= 0' }));
  return answer.action === 'accept' ? `[${answer.content.name}]` : answer.action;
});
server.tool('vali_pick', { description: 'Asks for a long name' }, async (_args, ctx) => {
  const { form } = await ctx.input({ form: ask.elicit('Pick a name', toStandardJsonSchema(v.object({ name: v.pipe(v.string(), v.minLength(8)) }))) });
  return form.action === 'accept' ? form.content.name : form.action;
});
const clients: Array<{ close(): Promise<void> }> = [];
afterAll(async () => {
  for (const c of clients) await c.close();
});

describe.each(['legacy', 'modern'] as const)('Standard JSON Schema tools, %s', (era) => {
  const connect = async () => {
    const c = await connectInMemory(server, { era });
    clients.push(c);
    return c;
  };
  const text = (r: unknown) => ((r as { content: Array<{ text?: string }> }).content[0]?.text ?? '') as string;

  it('lists the JSON Schema each library writes', async () => {
    const { tools } = await (await connect()).listTools();
    const ark = tools.find((t) => t.name === 'ark_greet')!;
    expect(ark.inputSchema).toMatchObject({ type: 'object', properties: { name: { type: 'string' }, times: { type: 'integer', minimum: 1 } }, required: ['name'] });
    expect(ark.inputSchema).not.toHaveProperty('$schema');
    const vali = tools.find((t) => t.name === 'vali_score')!;
    expect(vali.inputSchema).toMatchObject({ type: 'object', properties: { email: { type: 'string', format: 'email' }, bonus: { type: 'number' } }, required: ['email'] });
    expect(vali.outputSchema).toMatchObject({ type: 'object', properties: { score: { type: 'number', minimum: 0, maximum: 10 } } });
  });

  it('validates arguments with the library: morphs reach the handler, bad calls name the path', async () => {
    const c = await connect();
    expect(text(await c.callTool({ name: 'ark_greet', arguments: { name: '  Ada  ', times: 2 } }))).toBe('hello Adahello Ada');
    const bad = await c.callTool({ name: 'ark_greet', arguments: { name: 'Ada', times: 0 } });
    expect(bad.isError).toBe(true);
    expect(text(bad)).toMatch(/^Invalid arguments for tool 'ark_greet':\n✖ .*at least 1.*\n {2}→ at times$/);
    const email = await c.callTool({ name: 'vali_score', arguments: { email: 'not an email' } });
    expect([email.isError, text(email)]).toEqual([true, expect.stringMatching(/✖ Invalid email.*\n {2}→ at email/)]);
  });

  it('lists and validates prompt arguments from the library', async () => {
    const c = await connect();
    const { prompts } = await c.listPrompts();
    expect(prompts.find((p) => p.name === 'ark_brief')?.arguments).toEqual([
      { name: 'topic', required: true },
      { name: 'style', required: false },
    ]);
    expect((await c.getPrompt({ name: 'ark_brief', arguments: { topic: 'gates' } })).messages[0]?.content).toMatchObject({ text: 'Briefly (plain): gates' });
    const bad = await c.getPrompt({ name: 'ark_brief', arguments: {} }).catch((e: { code?: number; message: string }) => e);
    expect(bad).toMatchObject({ code: -32602, message: expect.stringMatching(/Invalid arguments for prompt 'ark_brief':\n✖ .*\n {2}→ at topic/) });
  });

  it('sends a form schema the library wrote, and validates the answer with it', async () => {
    const c = await connectInMemory(server, { era, capabilities: { elicitation: { form: {} } } });
    clients.push(c);
    const asked: Array<Record<string, unknown>> = [];
    c.setRequestHandler('elicitation/create', async (req) => {
      asked.push((req.params as { requestedSchema: Record<string, unknown> }).requestedSchema);
      return { action: 'accept', content: { name: '  Ada  ' } };
    });
    expect(text(await c.callTool({ name: 'ark_signup', arguments: {} }))).toBe('[Ada]');
    expect(asked[0]).toMatchObject({ type: 'object', properties: { name: { type: 'string' }, age: { type: 'number', minimum: 0 } }, required: ['name'] });
    expect(asked[0]).not.toHaveProperty('$schema');
    expect(asked[0]).not.toHaveProperty('additionalProperties');
    const short = await c.callTool({ name: 'vali_pick', arguments: {} });
    // The library's check (2026 era), or the SDK's own check of the answer against the schema the library wrote (2025).
    const refused = /The answer did not match the requested form: ✖ .*\n {2}→ at name|does not match requested schema: data\/name must NOT have fewer than 8 characters/;
    expect([short.isError, text(short)]).toEqual([true, expect.stringMatching(refused)]);
  });

  it('checks structured output against the output schema', async () => {
    const c = await connect();
    expect((await c.callTool({ name: 'vali_score', arguments: { email: 'a@b.co' } })).structuredContent).toEqual({ score: 6 });
    const over = await c.callTool({ name: 'vali_score', arguments: { email: 'ada@example.com' } });
    expect([over.isError, text(over)]).toEqual([true, expect.stringMatching(/returned output that does not match its outputSchema:\n✖ .*\n {2}→ at score/)]);
  });
});

describe('a schema the framework cannot write as JSON Schema', () => {
  it('is refused at registration, saying what to use instead', () => {
    const other = createServer({ name: 'x', version: '1.0.0', logger: silentLogger });
    // A plain Valibot schema validates (Standard Schema) but carries no JSON Schema converter.
    expect(() => other.tool('plain', { description: 'd', input: v.object({ a: v.string() }) as never }, () => 'x')).toThrow(
      "a valibot schema without Standard JSON Schema support: use a version that has it (ArkType ≥ 2.1.28, Valibot's toStandardJsonSchema) or give a JSON Schema object",
    );
  });
});
