// The one upstream every benchmark target fronts: an official SDK v2 McpServer on stdio with `echo {text}`
// and `sleep {ms}`. Plain JS so that spawning it (64 times for some targets) costs no TypeScript loader.
import { McpServer } from '@modelcontextprotocol/server';
import { StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import { z } from 'zod';

const server = new McpServer({ name: 'bench-upstream', version: '1.0.0' });

server.registerTool('echo', { description: 'Returns the text', inputSchema: z.object({ text: z.string() }) }, ({ text }) => ({
  content: [{ type: 'text', text }],
}));

server.registerTool('sleep', { description: 'Waits ms milliseconds', inputSchema: z.object({ ms: z.number().int().min(0).max(60_000) }) }, async ({ ms }) => {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return { content: [{ type: 'text', text: `slept ${ms}` }] };
});

await server.connect(new StdioServerTransport());
process.stdin.once('end', () => process.exit(0));
