// The official conformance suite (0.1.16, server mode) through the gateway: the fixture server mounted at the
// root behind it must pass the same 30 active scenarios as it does directly (pending reported, as for direct),
// reached over HTTP (2026-07-28, the SDK client path) and over stdio as a 2025-era server (the direct raw lane).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive } from '../helpers/process.js';
import { expectActivePass, expectPendingAsKnown } from '../conformance/expect-gate.js';
import { checkConformance, formatReport, type GateOutcome } from '../conformance/gate.js';
import { type GatewayOverFixture, startGatewayOverFixture } from './helpers/conformance-gateway.js';

const LINKS = [
  { link: 'http', expected: ['fixture', 'http', 'up', 'modern'] },
  { link: 'stdio', expected: ['fixture', 'stdio', 'up', 'legacy'] },
] as const;

describe.each(LINKS)('official conformance suite through the gateway, fixture over $link', ({ link, expected }) => {
  let running: GatewayOverFixture | undefined;
  let outcome: GateOutcome | undefined;

  beforeAll(async () => {
    running = await startGatewayOverFixture(link);
  }, 60_000);
  afterAll(async () => {
    await running?.close();
    if (running?.fixture) expect(isAlive(running.fixture.pid)).toBe(false);
  }, 30_000);

  it('the fixture is behind the gateway, which presents itself', () => {
    expect(running!.gateway.health().upstreams.map((u) => [u.name, u.transport, u.state, u.era])).toEqual([expected]);
    expect(running!.url).not.toBe(running!.fixture?.url);
  });

  it('passes all 30 active scenarios (pending reported, not gated)', { timeout: 240_000 }, async () => {
    outcome = await checkConformance({ url: running!.url, label: `vitest-gateway-${link}`, suites: ['active', 'pending'], timeoutMs: 180_000 });
    console.log(formatReport(`gateway (${link})`, outcome));
    expectActivePass(outcome);
  });

  it('pending: the raw 2020-12 schema survives the gateway; sse-polling has no failures', () => {
    expectPendingAsKnown(outcome);
  });
});
