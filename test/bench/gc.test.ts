// The gc bench reads V8's own trace lines: checked against real `--trace-gc-nvp` output of two small programs, one
// whose objects die young and one that keeps a window of them alive past several collections. Allocation-site
// pretenuring is off: V8 may otherwise start allocating the kept objects in the old generation directly, and then
// there is little left to scavenge or promote (seen in CI: two scavenges in all).
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { gcTotals } from '../../bench/gc.js';

const trace = (program: string) => execFileSync(process.execPath, ['--trace-gc-nvp', '--max-semi-space-size=1', '--no-allocation-site-pretenuring', '-e', program], { encoding: 'utf8', timeout: 30_000 }).split('\n');

describe('gc bench', () => {
  it('sums scavenges, promoted bytes and full collections from V8 trace lines', () => {
    const t = gcTotals([
      '[1:0x1]   10 ms: pause=2.5 mutator=40.0 gc=s reduce_memory=0 allocated=100 promoted=1000 new_space_survived=1100',
      '[1:0x1]   20 ms: pause=1.5 mutator=40.0 gc=s reduce_memory=0 allocated=100 promoted=24 new_space_survived=30',
      '[1:0x1]   30 ms: pause=7.0 mutator=40.0 gc=mc reduce_memory=0 heap.prologue=0.0',
      'mcplex gateway listening on http://127.0.0.1:1/mcp',
    ]);
    expect(t).toEqual({ scavenges: 2, promotedBytes: 1024, scavengeMs: 4, markCompacts: 1, markCompactMs: 7 });
  });

  it('reads the output of this node: what dies young promotes nothing, what lives on is promoted', () => {
    const young = gcTotals(trace('let x; for (let i = 0; i < 3e6; i++) x = { i, a: [i] };'));
    const kept = gcTotals(trace('const keep = new Array(2e5); for (let i = 0; i < 3e6; i++) keep[i % 2e5] = { i, a: [i] };'));
    expect(young.scavenges).toBeGreaterThan(5);
    expect(kept.scavenges).toBeGreaterThan(5);
    expect(young.promotedBytes).toBeLessThan(1e6);
    expect(kept.promotedBytes).toBeGreaterThan(10 * Math.max(young.promotedBytes, 1e5));
  });
});
