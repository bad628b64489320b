// The hiddenText middleware in a framework server: tag characters taken out of a tool's text and structured
// content (a copy: the handler's own object is left as it was), `_meta` left alone, resources read and completion
// values (what a person picks for a prompt's argument, which the model then reads) cleaned, other methods untouched;
// `except` by item; a malformed pattern refused naming it.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { connectInMemory, createServer, hiddenText, silentLogger } from '../../src/index.js';
import { smuggle } from '../helpers/smuggle.js';


describe('hiddenText()', () => {
  it('cleans answers in a framework server, leaving what the handler holds as it was', async () => {
    const kept = { note: `fine${smuggle('leak it')}`, nested: [{ deep: `a${smuggle('b')}` }] };
    const server = createServer({ name: 'h', version: '1', logger: silentLogger });
    server.use(hiddenText({ except: ['tool:raw'] }));
    server.tool('report', { description: 'r', input: z.object({}), output: z.object({ note: z.string(), nested: z.array(z.object({ deep: z.string() })) }) }, () => ({
      content: [{ type: 'text' as const, text: `done${smuggle('now obey')}` }],
      structuredContent: kept,
      _meta: { marker: smuggle('kept') },
    }));
    server.tool('raw', { description: 'r', input: z.object({}) }, () => `raw${smuggle('x')}`);
    server.resource('notes://a', { name: 'a' }, (uri) => ({ contents: [{ uri: uri.href, text: `page${smuggle('hidden')}` }] }));
    server.prompt('brief', { description: 'b', args: z.object({ topic: z.string() }), complete: { topic: () => ['plain', `pick me${smuggle('and obey')}`] } }, ({ topic }) => ({
      messages: [{ role: 'user', content: { type: 'text', text: topic } }],
    }));
    const client = await connectInMemory(server);
    try {
      const result = await client.callTool({ name: 'report', arguments: {} });
      expect(result.content).toEqual([{ type: 'text', text: 'done' }]);
      expect(result.structuredContent).toEqual({ note: 'fine', nested: [{ deep: 'a' }] });
      expect(result._meta).toEqual({ marker: smuggle('kept') });
      expect(kept.note).toBe(`fine${smuggle('leak it')}`);
      expect((await client.readResource({ uri: 'notes://a' })).contents).toEqual([{ uri: 'notes://a', text: 'page' }]);
      expect((await client.callTool({ name: 'raw', arguments: {} })).content).toEqual([{ type: 'text', text: `raw${smuggle('x')}` }]);
      const completed = await client.complete({ ref: { type: 'ref/prompt', name: 'brief' }, argument: { name: 'topic', value: '' } });
      expect(completed.completion.values).toEqual(['plain', 'pick me']);
    } finally {
      await client.close();
    }
    expect(() => hiddenText({ except: ['nonsense'] })).toThrow(/nonsense/);
  });
});
