// An upstream's elicitation cannot be attributed to one caller when two clients have calls in flight to it:
// the gateway refuses rather than show one user's prompt to another; with one client it is relayed as usual.
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { everything, type RunningGateway, startGateway, text } from './helpers/harness.js';

let gw: RunningGateway;
const asked: string[] = [];
const client = (name: string) =>
  gw.connect('legacy', {
    options: { capabilities: { elicitation: { form: {} } } },
    setup: (c: Client) => {
      c.setRequestHandler('elicitation/create', async () => {
        asked.push(name);
        return { action: 'accept', content: { name: `from ${name}`, check: true } } as never;
      });
    },
  });

beforeAll(async () => {
  gw = await startGateway([everything()]);
}, 60_000);
afterAll(async () => {
  await gw?.close();
}, 30_000);

it('refuses an upstream elicitation while two clients call that upstream, and relays it to a lone caller', async () => {
  const [a, b] = await Promise.all([client('a'), client('b')]);
  const slow = a.callTool({ name: 'ev__trigger-long-running-operation', arguments: { duration: 1.5, steps: 3 } });
  await new Promise((r) => setTimeout(r, 300));
  const refused = await b.callTool({ name: 'ev__trigger-elicitation-request', arguments: {} });
  expect(text(refused)).toMatch(/refused: it cannot be told which client's call it belongs to/);
  expect(asked).toEqual([]);
  await slow;
  const relayed = await b.callTool({ name: 'ev__trigger-elicitation-request', arguments: {} });
  expect(asked).toEqual(['b']);
  expect((relayed.content as Array<{ text: string }>)[1]?.text).toContain('- Name: from b');
});
