// Asking the client for input: a confirmation form, release notes from the client's LLM and the client's roots,
// named and asked for in one round, after checking what the caller declared; a page to open (URL mode). One
// handler serves both eras.
// Run: npx tsx examples/ask-for-input.ts   (PORT=0 picks a free port)
import { ask, createServer } from 'mcplex';
import { z } from 'zod';

const server = createServer({ name: 'release-desk', version: '1.0.0' });
const NEEDS = ['elicitation', 'sampling', 'roots'] as const;

server.tool(
  'release',
  { description: 'Releases a version once you confirm, with notes written by your LLM', input: z.object({ version: z.string() }) },
  async ({ version }, ctx) => {
    // Ask only for what the caller can answer; say what is missing otherwise.
    const missing = NEEDS.filter((capability) => !ctx.clientCapabilities[capability]);
    if (missing.length > 0) return { content: [{ type: 'text', text: `This tool needs a client with: ${missing.join(', ')}` }], isError: true };

    // On 2025-era sessions these are three requests sent at once; on 2026-07-28 one input_required round.
    const { confirm, notes, roots } = await ctx.input({
      confirm: ask.elicit(`Release ${version}?`, z.object({ ok: z.boolean().describe('Go ahead') })),
      notes: ask.sample({ messages: [{ role: 'user', content: { type: 'text', text: `Write release notes for ${version}` } }], maxTokens: 200 }),
      roots: ask.roots(),
    });
    if (confirm.action !== 'accept' || !confirm.content.ok) return `Release of ${version} cancelled`;
    const text = notes.content.type === 'text' ? notes.content.text : '(no notes)';
    return `Released ${version} from ${roots[0]?.uri ?? 'nowhere'}: ${text}`;
  },
);

// One input on its own: the same call in both eras.
server.tool('workspace', { description: 'Shows the folders your client shares' }, async (_args, ctx) => {
  const roots = await ctx.roots();
  return roots.map((r) => r.uri).join('\n') || 'no roots';
});

// A page to open outside the client (URL mode: a payment, a third party's login); nothing typed there passes
// through the client. A 2025-era client hears when it is done.
server.tool('upgrade', { description: 'Opens the checkout page of the Pro plan' }, async (_args, ctx) => {
  if (!ctx.clientCapabilities.elicitation?.url) return { content: [{ type: 'text', text: 'This tool needs a client that can open URLs (elicitation.url)' }], isError: true };
  const opened = await ctx.elicitUrl('Pay for the Pro plan', 'https://billing.example.com/checkout/pro');
  if (opened.action !== 'accept') return 'Upgrade cancelled';
  // A real server would wait here for the payment provider's callback.
  await opened.complete();
  return 'Checkout done: you are on the Pro plan';
});

const handle = await server.serveHttp({ port: Number(process.env.PORT ?? 3000) });
console.log(`listening on ${handle.url}`);
process.on('SIGTERM', () => handle.close().then(() => process.exit(0)));
