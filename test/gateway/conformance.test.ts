// The official conformance suite (0.1.16, server mode) through the gateway: the fixture server mounted at the
// root behind it must pass the same 30 active scenarios as it does directly (pending reported, as for direct).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive } from '../helpers/child.js';
import { ACTIVE_SCENARIOS, checkConformance, formatReport, type GateOutcome } from '../conformance/gate.js';
import { type GatewayOverFixture, startGatewayOverFixture } from './helpers/conformance-gateway.js';

describe('official conformance suite through the gateway', () => {
  let running: GatewayOverFixture | undefined;
  let outcome: GateOutcome | undefined;

  beforeAll(async () => {
    running = await startGatewayOverFixture();
  }, 60_000);
  afterAll(async () => {
    await running?.close();
    if (running) expect(isAlive(running.fixture.pid)).toBe(false);
  }, 30_000);

  it('the fixture is behind the gateway, which presents itself', () => {
    expect(running!.gateway.health().upstreams.map((u) => [u.name, u.transport, u.state, u.era])).toEqual([['fixture', 'http', 'up', 'modern']]);
    expect(running!.url).not.toBe(running!.fixture.url);
  });

  it('passes all 30 active scenarios (pending reported, not gated)', { timeout: 240_000 }, async () => {
    outcome = await checkConformance({ url: running!.url, label: 'vitest-gateway', suites: ['active', 'pending'], timeoutMs: 180_000 });
    console.log(formatReport('gateway', outcome));
    expect(outcome.problems).toEqual([]);
    expect(outcome.active.map((r) => r.scenario).sort()).toEqual([...ACTIVE_SCENARIOS].sort());
    for (const r of outcome.active) {
      expect({ scenario: r.scenario, verdict: r.verdict, failure: r.failure, warning: r.warning }).toEqual({
        scenario: r.scenario,
        verdict: 'PASS',
        failure: 0,
        warning: 0,
      });
      expect(r.success, r.scenario).toBeGreaterThanOrEqual(1);
    }
    expect(outcome.ok).toBe(true);
  });

  it('pending: the raw 2020-12 schema survives the gateway; sse-polling has no failures', () => {
    expect(outcome, 'the suite run above must have completed').toBeDefined();
    const pending = new Map(outcome!.pending.map((r) => [r.scenario, r]));
    expect([...pending.keys()].sort()).toEqual(['json-schema-2020-12', 'server-sse-polling']);
    expect(pending.get('json-schema-2020-12')).toMatchObject({ verdict: 'PASS', success: 4, failure: 0, warning: 0 });
    expect(pending.get('server-sse-polling')?.failure).toBe(0);
  });
});
