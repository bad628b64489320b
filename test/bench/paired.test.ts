// The paired cost figure: each round's calls/s over the base's in the same round, summarised by median and
// quartiles, so a machine that slows down for a while slows both sides of a pair and cancels out.
import { describe, expect, it } from 'vitest';
import { pairedSummary } from '../../bench/paired.js';

describe('paired bench summary', () => {
  it('divides by the base round by round, so drift between rounds cancels out', () => {
    // The machine halves its speed in rounds 3-4: the other target is 0.8 of the base in every round all the same.
    const base = [1000, 1000, 500, 500, 1000];
    const rows = [
      { key: 'base', callsPerSec: base, cpuUsPerCall: [300, 310, 600, 620, 305] },
      { key: 'other', callsPerSec: base.map((c) => c * 0.8), cpuUsPerCall: [380, 390, 760, 770, 385] },
    ];
    const [b, o] = pairedSummary(rows);
    expect(b).toEqual({ key: 'base', callsPerSec: 1000, cpuUsPerCall: 310, ratio: 1, ratioQ1: 1, ratioQ3: 1, cpuAddedUs: 0 });
    expect(o!.ratio).toBe(0.8);
    // CPU added per call, round by round: 80, 80, 160, 150, 80 → median 80 (the slow rounds' doubling does not count).
    expect(o!.cpuAddedUs).toBe(80);
    expect([o!.ratioQ1, o!.ratioQ3]).toEqual([0.8, 0.8]);
    // A round where only the base stalled moves neither the median nor the quartiles:
    const skewed = pairedSummary([{ ...rows[0]!, callsPerSec: [1000, 1000, 500, 500, 400] }, rows[1]!]);
    expect(skewed[1]!.ratio).toBe(0.8);
    expect(skewed[1]!.ratioQ3).toBe(0.8);
  });

  it('reports the spread of the pairs', () => {
    const [, o] = pairedSummary([
      { key: 'base', callsPerSec: [100, 100, 100, 100, 100], cpuUsPerCall: [1, 1, 1, 1, 1] },
      { key: 'other', callsPerSec: [70, 80, 90, 85, 95], cpuUsPerCall: [1, 1, 1, 1, 1] },
    ]);
    expect(o).toMatchObject({ ratio: 0.85, ratioQ1: 0.8, ratioQ3: 0.9 });
  });
});
