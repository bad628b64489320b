// A third-party peer on the v1 SDK (@modelcontextprotocol/sdk 1.x, low-level Server over stdio) whose results
// carry fields no schema knows: in content blocks, in structuredContent, at top level and in _meta.
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';

const server = new Server({ name: 'vendor-v1', version: '9.9.9' }, { capabilities: { tools: {} } });
server.setRequestHandler(ListToolsRequestSchema, async () => ({
  tools: [
    {
      name: 'vendor_fields',
      description: 'Returns a result full of vendor extensions',
      inputSchema: { type: 'object', properties: { n: { type: 'number' } } },
      outputSchema: { type: 'object', properties: { n: { type: 'number' } } },
      'x-vendor-tool': { rank: 1 },
    },
  ],
}));
server.setRequestHandler(CallToolRequestSchema, async (req) => ({
  content: [{ type: 'text', text: `n=${req.params.arguments?.n}` }],
  structuredContent: { n: req.params.arguments?.n, nested: { 'x-deep': [1, 2] } },
  'x-top-level': 'survives',
  _meta: { 'acme.dev/trace': 'abc123' },
}));
// The v1 Server strips unknown keys inside content blocks itself, so the block-level extension is added on the wire.
const transport = new StdioServerTransport();
const send = transport.send.bind(transport);
transport.send = (message, options) => {
  const blocks = message.result?.content;
  if (Array.isArray(blocks)) for (const b of blocks) b['x-block-extra'] = { kept: true };
  return send(message, options);
};
await server.connect(transport);
