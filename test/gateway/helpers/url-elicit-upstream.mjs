// A third-party peer on the v1 SDK (@modelcontextprotocol/sdk 1.x, low-level Server over stdio) that sends people
// to pages outside the protocol (URL elicitation, 2025-11-25) and says when they are done:
//   pay     asks the caller to open a checkout page (elicitation/create in URL mode), answers what the caller did
//   login   fails with -32042 (UrlElicitationRequired, id `login-<who>`) until `who` has logged in, then welcomes them
//           (`selfService`: logged in once sent there; `completeAfterMs`: the page reports back by itself after that)
//   finish  the page reports back: `id` is done (a login is), and notifications/elicitation/complete is sent for it
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallToolRequestSchema, ListToolsRequestSchema, UrlElicitationRequiredError } from '@modelcontextprotocol/sdk/types.js';

const server = new Server({ name: 'url-elicit', version: '1.0.0' }, { capabilities: { tools: {} } });
const object = { type: 'object', properties: {} };
/** The pages that reported back. */
const done = new Set();
/** Logins whose page reports back by itself (completeAfterMs). */
const scheduled = new Set();
server.setRequestHandler(ListToolsRequestSchema, async () => ({
  tools: [
    { name: 'pay', description: 'Checkout in the browser', inputSchema: object },
    { name: 'login', description: 'Needs a login first', inputSchema: { type: 'object', properties: { who: { type: 'string' }, selfService: { type: 'boolean' }, completeAfterMs: { type: 'number' } }, required: ['who'] } },
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
    const id = `login-${args?.who}`;
    if (done.has(id)) return { content: [{ type: 'text', text: `welcome ${args?.who}` }] };
    // `selfService`: the page needs nothing more (done once the user has been sent to it).
    if (args?.selfService) done.add(id);
    if (typeof args?.completeAfterMs === 'number' && !scheduled.has(id)) {
      scheduled.add(id);
      setTimeout(() => {
        done.add(id);
        void server.createElicitationCompletionNotifier(id)();
      }, args.completeAfterMs);
    }
    throw new UrlElicitationRequiredError([{ mode: 'url', elicitationId: id, url: `https://idp.example/login?who=${args?.who}`, message: 'Log in to the example service' }]);
  }
  done.add(String(args?.id));
  await server.createElicitationCompletionNotifier(String(args?.id))();
  return { content: [{ type: 'text', text: `finished ${args?.id}` }] };
});
await server.connect(new StdioServerTransport());
