// A third-party peer on the v1 SDK (@modelcontextprotocol/sdk 1.x, low-level Server over stdio) that sends people
// to pages outside the protocol (URL elicitation, 2025-11-25) and says when they are done:
//   pay     asks the caller to open a checkout page (elicitation/create in URL mode), answers what the caller did
//   login   fails with -32042 (UrlElicitationRequired): the caller must log in first
//   finish  the page reports back: sends notifications/elicitation/complete for `id`
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallToolRequestSchema, ListToolsRequestSchema, UrlElicitationRequiredError } from '@modelcontextprotocol/sdk/types.js';

const server = new Server({ name: 'url-elicit', version: '1.0.0' }, { capabilities: { tools: {} } });
const object = { type: 'object', properties: {} };
server.setRequestHandler(ListToolsRequestSchema, async () => ({
  tools: [
    { name: 'pay', description: 'Checkout in the browser', inputSchema: object },
    { name: 'login', description: 'Needs a login first', inputSchema: object },
    { name: 'finish', description: 'The page reports back', inputSchema: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] } },
  ],
}));
server.setRequestHandler(CallToolRequestSchema, async (req) => {
  const { name, arguments: args } = req.params;
  if (name === 'pay') {
    const answer = await server.elicitInput({ mode: 'url', elicitationId: 'pay-1', url: 'https://pay.example/checkout/1', message: 'Pay for order 1' });
    return { content: [{ type: 'text', text: `checkout: ${answer.action}` }] };
  }
  if (name === 'login') {
    throw new UrlElicitationRequiredError([{ mode: 'url', elicitationId: 'login-1', url: 'https://idp.example/login', message: 'Log in to the example service' }]);
  }
  await server.createElicitationCompletionNotifier(String(args?.id))();
  return { content: [{ type: 'text', text: `finished ${args?.id}` }] };
});
await server.connect(new StdioServerTransport());
