// A 2026-era caller that only *listens* for a resource (no 2025 subscriber anywhere) still gets its updates:
// the gateway sees the subscriptions/listen filter and subscribes the owning upstream itself.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { relayUpstream, resourceUpdates, type RunningGateway, startGateway, text, type WireMessage } from './helpers/harness.js';


let gw: RunningGateway;
beforeAll(async () => {
  gw = await startGateway([relayUpstream()]);
}, 60_000);
afterAll(async () => {
  await gw?.close();
}, 30_000);

it('a 2026-era listener alone receives resources/updated from a 2026-era upstream', async () => {
  const wire: WireMessage[] = [];
  const client = await gw.connect('modern', { wire });
  const sub = await client.listen({ resourceSubscriptions: ['relay://watched'] });
  expect(sub.honoredFilter).toEqual({ resourceSubscriptions: ['relay://watched'] });
  // The upstream subscription is opened right after the listen; touch until the first update arrives (bounded).
  for (let attempt = 0; attempt < 20 && resourceUpdates(wire).length === 0; attempt++) {
    expect(text(await client.callTool({ name: 'fw__touch', arguments: {} }))).toBe('touched');
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(resourceUpdates(wire)[0]).toBe('relay://watched');
  await sub.close();
});
