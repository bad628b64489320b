// Smoke test of the benchmark harness (never the benchmark itself): the framework target and the load client,
// about 1 s at 4 in flight in both eras, with every reply checked; the opt-in floor relay the same way; and a
// wrong reply is counted as an error.
import { describe, expect, it } from 'vitest';
import { runMode } from '../../bench/load/measure.js';
import { combos, parseArgs } from '../../bench/plan.js';
import type { McpSession } from '../../bench/load/sessions.js';
import { runOnce } from '../../bench/runner.js';
import { measureStages } from '../../bench/stages.js';
import { TARGETS } from '../../bench/targets/targets.js';

const mode = { name: 'echo-1x4', workload: 'echo' as const, sessions: 1, inflight: 4, warmupCalls: 50, warmupMaxMs: 300, windowMs: 1000 };

describe('bench harness', () => {
  it('measures the framework target in both eras with every reply checked and no errors', async () => {
    const framework = TARGETS.find((t) => t.id === 'framework')!;
    const [legacy, modern] = await Promise.all([runOnce(framework, 'legacy', [mode], 0), runOnce(framework, 'modern', [mode], 0)]);
    for (const run of [legacy, modern]) {
      expect(run.error).toBeUndefined();
      expect(run.modes).toHaveLength(1);
      const m = run.modes[0]!;
      expect(m.errors, m.errorSamples.join('\n')).toBe(0);
      expect(m.calls).toBeGreaterThan(10);
      expect(m.serverCpuUsPerCall).toBeGreaterThan(0);
      expect(m.p50).toBeGreaterThan(0);
      expect(run.idleRssMb).toBeGreaterThan(0);
      expect(run.serverAliveAfter).toBe(true);
    }
  }, 25_000);

  it('runs the floor relay only when --only names it, and its replies check out', async () => {
    expect(combos(parseArgs([])).map((c) => c.key)).not.toContain('floor@2025');
    expect(combos(parseArgs(['--only', 'mcplex@2025,floor'])).map((c) => c.key)).toEqual(['mcplex@2025', 'floor@2025']);
    const run = await runOnce(TARGETS.find((t) => t.id === 'floor')!, 'legacy', [mode], 0);
    expect(run.error).toBeUndefined();
    const m = run.modes[0]!;
    expect(m.errors, m.errorSamples.join('\n')).toBe(0);
    expect(m.calls).toBeGreaterThan(10);
    expect(m.processes).toBe(2);
    expect(run.serverAliveAfter).toBe(true);
  }, 25_000);

  it('runs the full-pipeline target (compiled gateway, every middleware, API key) with every reply checked', async () => {
    // Runs dist/ (`npm test` builds first, as `npm run bench` does).
    const run = await runOnce(TARGETS.find((t) => t.id === 'mcplex-full')!, 'legacy', [mode], 0);
    expect(run.error).toBeUndefined();
    const m = run.modes[0]!;
    expect(m.errors, m.errorSamples.join('\n')).toBe(0);
    expect(m.calls).toBeGreaterThan(10);
    expect(run.serverAliveAfter).toBe(true);
  }, 30_000);

  it('counts a reply whose text does not match as an error', async () => {
    const wrong: McpSession = { call: async () => ({ content: [{ type: 'text', text: 'not the input' }] }), close: async () => undefined };
    const r = await runMode({ ...mode, warmupMaxMs: 50, windowMs: 100 }, async () => wrong, () => [process.pid], (n) => n);
    expect(r.calls).toBe(0);
    expect(r.errors).toBeGreaterThan(0);
    expect(r.errorSamples[0]).toMatch(/mismatch/);
  });

  it('measures middleware pieces alone in process, every answer checked, and refuses a name that is none', async () => {
    const costs = await measureStages(['metrics', 'audit'], 320);
    expect(costs?.map((c) => c.name)).toEqual(['none', 'metrics', 'audit']);
    for (const c of costs!) {
      expect(c.wallUs).toBeGreaterThan(0);
      expect(c.cpuUs).toBeGreaterThan(0);
    }
    expect(await measureStages(['no-such-stage'], 32)).toBeUndefined();
  }, 20_000);
});
