// Unsolicited traffic through the gateway: an upstream's tools/list_changed becomes a catalog refresh and a
// downstream list_changed (2025 session, 2026 listen stream); resources/updated reaches subscribers only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { everything, relayUpstream, resourceUpdates, type RunningGateway, startGateway, text, waitFor, type WireMessage } from './helpers/harness.js';

const DOC = 'demo://resource/static/document/features.md';
const listChanged = (wire: WireMessage[]) => wire.filter((m) => m.method === 'notifications/tools/list_changed').length;

describe('list_changed and resource updates through the gateway', () => {
  let gw: RunningGateway;

  beforeAll(async () => {
    gw = await startGateway([everything(), relayUpstream()]);
  }, 60_000);
  afterAll(async () => {
    await gw?.close();
  }, 30_000);

  it('2025-era caller: a tool added upstream at runtime is announced and becomes callable under its namespace', async () => {
    const wire: WireMessage[] = [];
    const client = await gw.connect('legacy', { wire });
    const before = (await client.listTools()).tools.map((t) => t.name);
    expect(before).not.toContain('fw__late_legacy');
    expect(text(await client.callTool({ name: 'fw__add_tool', arguments: { name: 'late_legacy' } }))).toBe('added late_legacy');
    await waitFor('tools/list_changed', () => (listChanged(wire) > 0 ? true : undefined));
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual([...before, 'fw__late_legacy']);
    expect(text(await client.callTool({ name: 'fw__late_legacy', arguments: {} }))).toBe('hello from late_legacy');
  });

  it('2026-era caller: list_changed arrives on its subscriptions/listen stream', async () => {
    const wire: WireMessage[] = [];
    const client = await gw.connect('modern', { wire });
    const sub = await client.listen({ toolsListChanged: true });
    expect(sub.honoredFilter).toEqual({ toolsListChanged: true });
    expect(text(await client.callTool({ name: 'fw__add_tool', arguments: { name: 'late_modern' } }))).toBe('added late_modern');
    await waitFor('tools/list_changed on the listen stream', () => (listChanged(wire) > 0 ? true : undefined));
    expect((await client.listTools()).tools.map((t) => t.name).slice(-2)).toEqual(['fw__late_legacy', 'fw__late_modern']);
    expect(text(await client.callTool({ name: 'fw__late_modern', arguments: {} }))).toBe('hello from late_modern');
    await sub.close();
    expect(await sub.closed).toBe('local');
  });

  it('resources/updated from a 2026-era upstream reaches the subscribed 2025 caller, and only it', async () => {
    const subscribed: WireMessage[] = [];
    const bystander: WireMessage[] = [];
    const a = await gw.connect('legacy', { wire: subscribed });
    const b = await gw.connect('legacy', { wire: bystander });
    await a.subscribeResource({ uri: 'relay://watched' });
    expect(text(await b.callTool({ name: 'fw__touch', arguments: {} }))).toBe('touched');
    await waitFor('resources/updated', () => (resourceUpdates(subscribed).length > 0 ? true : undefined));
    expect(resourceUpdates(subscribed)).toEqual(['relay://watched']);
    // The marker: a tool added upstream makes the gateway send `b` a tools/list_changed, on the same stream and
    // after the update had it been relayed to `b` too; so once the marker is in, the update would be as well.
    expect(text(await a.callTool({ name: 'fw__add_tool', arguments: { name: 'marker_updates' } }))).toBe('added marker_updates');
    await waitFor('tools/list_changed at the bystander (marker)', () => (listChanged(bystander) > 0 ? true : undefined));
    expect(resourceUpdates(bystander)).toEqual([]);
  });

  it('resources/updated from server-everything (2025-era) reaches a 2025 subscriber and a 2026 listener', async () => {
    const legacyWire: WireMessage[] = [];
    const modernWire: WireMessage[] = [];
    const legacy = await gw.connect('legacy', { wire: legacyWire });
    const modern = await gw.connect('modern', { wire: modernWire });
    // The 2025 subscribe goes first: the upstream subscription is shared, so only the first subscriber causes one.
    await legacy.subscribeResource({ uri: DOC });
    // server-everything logs the subscription during the (forwarded) subscribe request: relayed to that caller.
    expect(legacyWire.filter((m) => m.method === 'notifications/message').map((m) => m.params)).toEqual([
      { level: 'info', logger: 'ev', data: `Received Subscribe Resource request for URI: ${DOC} ` },
    ]);
    const sub = await modern.listen({ resourceSubscriptions: [DOC] });
    expect(sub.honoredFilter).toEqual({ resourceSubscriptions: [DOC] });
    const started = text(await legacy.callTool({ name: 'ev__toggle-subscriber-updates', arguments: {} }));
    try {
      expect(started).toMatch(/^Started simulated resource updated notifications/);
      await waitFor('resources/updated (2025 subscriber)', () => (resourceUpdates(legacyWire).includes(DOC) ? true : undefined));
      await waitFor('resources/updated (2026 listener)', () => (resourceUpdates(modernWire).includes(DOC) ? true : undefined));
      expect(new Set(resourceUpdates(legacyWire))).toEqual(new Set([DOC]));
      expect(new Set(resourceUpdates(modernWire))).toEqual(new Set([DOC]));
    } finally {
      await legacy.callTool({ name: 'ev__toggle-subscriber-updates', arguments: {} });
      await sub.close();
    }
  });
});
