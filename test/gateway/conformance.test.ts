// The official conformance suite (0.2.0-alpha.12, server mode, 2025-11-25 and 2026-07-28) through the gateway: the
// fixture mounted at its root must pass what it passes directly, reached over HTTP (2026-07-28 negotiated) and over
// stdio as a 2025-era server (the raw lane); the stdio link's known failures are listed in conformance/scenarios.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive } from '../helpers/process.js';
import { expectGatePasses, expectUnscoredListed } from '../conformance/expect-gate.js';
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

  it('passes every required scenario of 2025-11-25 and 2026-07-28 (bar the known failures of this link)', { timeout: 240_000 }, async () => {
    outcome = await checkConformance(`gateway-${link}`, { url: running!.url, label: `vitest-gateway-${link}`, timeoutMs: 180_000 });
    console.log(formatReport(`gateway (${link})`, outcome));
    expectGatePasses(outcome);
  });

  it('lists the unscored scenarios; the raw 2020-12 schema survives the gateway', () => {
    expectUnscoredListed(outcome);
  });
});
