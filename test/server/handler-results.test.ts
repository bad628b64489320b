// A handler that returns what the protocol has no shape for (a text block without its text, a content type that is
// none, a number, a resource read without text or blob, a prompt message whose role is not one) is named to whoever
// wrote it, field by field, over real HTTP to official SDK clients of both eras: a tool's as an isError result (as an
// output that misses its outputSchema is), a resource's or prompt's as -32603; the server serves on. Before, the
// caller got the SDK's -32602 "Invalid tools/call result" with a schema dump, an empty result, or (resources,
// prompts) an answer its own client refused whole.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createServer, ErrorCode, silentLogger } from '../../src/index.js';
import type { Client } from '@modelcontextprotocol/client';
import { connectHttp } from '../helpers/clients.js';

const server = createServer({ name: 'slips', version: '1.0.0', logger: silentLogger });
const none = z.object({});
server.tool('no_text', { description: 'd', input: none }, () => ({ content: [{ type: 'text' } as never] }));
server.tool('picture', { description: 'd', input: none }, () => ({ content: [{ type: 'picture', url: 'x' } as never] }));
server.tool('number', { description: 'd', input: none }, () => 42 as never);
server.tool('nothing', { description: 'd', input: none }, () => undefined as never);
server.tool('fine', { description: 'd', input: none }, () => ({ content: [{ type: 'text', text: 'ok' }] }));
server.resource('note://empty', { name: 'empty' }, () => ({ contents: [{ uri: 'note://empty' } as never] }));
server.resource('note://plain', { name: 'plain' }, () => 'plain' as never);
server.prompt('bot', { description: 'd' }, () => ({ messages: [{ role: 'bot' as never, content: { type: 'text', text: 'x' } }] }));

let http: { url: string; close(): Promise<void> };
const clients: Client[] = [];
beforeAll(async () => {
  http = await server.serveHttp({ port: 0 });
});
afterAll(async () => {
  for (const c of clients) await c.close();
  await http?.close();
});

const text = (r: unknown) => (r as { content: Array<{ text?: string }> }).content[0]?.text;

describe.each(['legacy', 'modern'] as const)('a handler whose result is not one, %s', (era) => {
  let client: Client;
  beforeAll(async () => {
    client = await connectHttp(http.url, era);
    clients.push(client);
  });

  it("names a tool's slip field by field, as an isError result", async () => {
    const cases: Array<[string, string]> = [
      ['no_text', "Tool 'no_text' returned an invalid result: content[0].text: expected string, received undefined"],
      ['picture', `Tool 'picture' returned an invalid result: content[0].type: expected one of "text", "image", "audio", "resource_link", "resource"`],
      ['number', "Tool 'number' returned 42: a tool's handler returns a string or { content?, structuredContent?, isError? }"],
      ['nothing', "Tool 'nothing' returned undefined: a tool's handler returns a string or { content?, structuredContent?, isError? }"],
    ];
    for (const [name, message] of cases) {
      const result = await client.callTool({ name, arguments: {} });
      expect([result.isError, text(result)]).toEqual([true, message]);
    }
    expect(text(await client.callTool({ name: 'fine', arguments: {} }))).toBe('ok');
  });

  it("answers a resource's or a prompt's slip -32603 naming the field, and serves on", async () => {
    await expect(client.readResource({ uri: 'note://empty' })).rejects.toMatchObject({ code: ErrorCode.InternalError, message: expect.stringContaining("Resource 'note://empty' gave an invalid result: contents[0]: needs text or blob") });
    await expect(client.readResource({ uri: 'note://plain' })).rejects.toMatchObject({ code: ErrorCode.InternalError, message: expect.stringContaining("Resource 'note://plain' gave an invalid result: expected object, received string") });
    await expect(client.getPrompt({ name: 'bot' })).rejects.toMatchObject({ code: ErrorCode.InternalError, message: expect.stringContaining(`Prompt 'bot' gave an invalid result: messages[0].role: Invalid option: expected one of "user"|"assistant"`) });
    expect(text(await client.callTool({ name: 'fine', arguments: {} }))).toBe('ok');
  });
});
