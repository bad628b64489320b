// The command line's answers to a server's questions, from lines of input: each field typed and checked by the
// requested schema (asked again when the answer does not fit), defaults, choices, URL mode, refusals, EOF.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { terminalInput } from '../../src/cli/terminal-input.js';

function session(lines: string) {
  const input = new PassThrough();
  const output = new PassThrough();
  let said = '';
  output.on('data', (d: Buffer) => (said += d));
  input.end(lines);
  const t = terminalInput(input, output);
  return { answer: t.answer, said: () => said, close: t.close };
}

const FORM = {
  message: 'Sign up',
  requestedSchema: {
    type: 'object',
    properties: {
      name: { type: 'string', description: 'Your name' },
      age: { type: 'integer' },
      subscribe: { type: 'boolean', default: false },
      color: { type: 'string', enum: ['red', 'green'] },
      tags: { type: 'array', items: { enum: ['a', 'b'] } },
      note: { type: 'string' },
    },
    required: ['name', 'age', 'color'],
  },
};

describe('terminalInput', () => {
  it('asks each field, types the answer by the schema, and asks again when it does not fit', async () => {
    const s = session(['', 'Ada', '4.5', '42', '', 'blue', 'green', 'a, b', '', ''].join('\n'));
    expect(await s.answer('elicitation/create', FORM)).toEqual({ action: 'accept', content: { name: 'Ada', age: 42, subscribe: false, color: 'green', tags: ['a', 'b'] } });
    expect(s.said()).toContain('The server asks: Sign up');
    expect(s.said()).toContain('  name (Your name) [string; required]: ');
    expect(s.said()).toContain('  an answer is required');
    expect(s.said()).toContain('  expected a whole number');
    expect(s.said()).toContain('  subscribe [boolean; default false; optional]: ');
    expect(s.said()).toContain('  expected one of red, green');
    s.close();
  });

  it('declines or cancels when told, cancels at the end of input, and opens URLs', async () => {
    expect(await session('Ada\n!decline\n').answer('elicitation/create', FORM)).toEqual({ action: 'decline' });
    expect(await session('!cancel\n').answer('elicitation/create', FORM)).toEqual({ action: 'cancel' });
    expect(await session('Ada\n').answer('elicitation/create', FORM)).toEqual({ action: 'cancel' });
    const url = session('\n');
    expect(await url.answer('elicitation/create', { mode: 'url', message: 'Authorize', url: 'https://example.com/auth', elicitationId: 'e1' })).toEqual({ action: 'accept' });
    expect(url.said()).toContain('  Open https://example.com/auth');
    await expect(session('').answer('roots/list', {})).rejects.toThrow('does not answer roots/list requests (only elicitation and sampling)');
  });

  it("answers a sampling request with the typed lines as the model's reply, and refuses on an empty line or !decline", async () => {
    const s = session('Paris.\n');
    const params = { systemPrompt: 'Be brief', maxTokens: 20, messages: [{ role: 'user', content: { type: 'text', text: 'Capital of France?' } }, { role: 'user', content: [{ type: 'image', mimeType: 'image/png', data: 'x' }] }] };
    expect(await s.answer('sampling/createMessage', params)).toEqual({ role: 'assistant', content: { type: 'text', text: 'Paris.' }, model: 'human (mcplex command line)', stopReason: 'endTurn' });
    expect(s.said()).toBe("The server asks for a model's reply (sampling, at most 20 tokens):\n  system: Be brief\n  user: Capital of France?\n  user: [image image/png]\n  Reply as the model (a line ending in \\ goes on to the next; !decline to refuse): ");
    // A reply of several lines: each but the last ends in a backslash (a blank one too).
    const lines = session('Paris, \\\nthe capital \\\n\\\nof France.\nnot part of it\n');
    expect((await lines.answer('sampling/createMessage', params)).content).toEqual({ type: 'text', text: 'Paris,\nthe capital\n\nof France.' });
    expect(lines.said()).toContain('  … ');
    for (const refusal of ['\n', '!decline\n', '']) {
      await expect(session(refusal).answer('sampling/createMessage', params)).rejects.toMatchObject({ code: -1, message: 'User rejected sampling request' });
    }
  });

  it('asks one question at a time: requests sent together each get their own line', async () => {
    const s = session('Ada\nhello\n');
    const form = { message: 'Name?', requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } };
    const [named, sampled] = await Promise.all([s.answer('elicitation/create', form), s.answer('sampling/createMessage', { messages: [] })]);
    expect(named).toEqual({ action: 'accept', content: { name: 'Ada' } });
    expect(sampled).toMatchObject({ content: { type: 'text', text: 'hello' } });
  });
});
