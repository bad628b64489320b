// `audit.anchorLogEvery`: a duration with a unit (default 10m), off/0 to disable, and an error that names the key
// and the form to write; docs/audit.md's example sets it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/index.js';
import { rejection } from '../helpers/config.js';

const parse = (value: string) => parseConfig(`servers: {}\naudit:\n  anchorLogEvery: ${value}\n`, { format: 'yaml' }).audit?.anchorLogEvery;
const issues = (value: string) => rejection(() => parse(value));
const FORM = 'audit.anchorLogEvery: expected a duration with a unit (ms, s, m, h, d), e.g. 30s, 10m or 1h; or off (0 also disables)';

describe('audit.anchorLogEvery', () => {
  it('defaults to 10 minutes and takes ms, s, m and h', () => {
    expect(parseConfig('servers: {}\naudit: {}\n', { format: 'yaml' }).audit?.anchorLogEvery).toBe(600_000);
    expect(parse('10m')).toBe(600_000);
    expect(parse('30s')).toBe(30_000);
    expect(parse('1h')).toBe(3_600_000);
    expect(parse('"250ms"')).toBe(250);
    expect(parse('2d')).toBe(172_800_000);
  });

  it('off, false and 0 disable it', () => {
    for (const off of ['off', 'false', '0', '"0"']) expect(parse(off), off).toBe(0);
  });

  it('anything else is an error naming the key and the form', () => {
    expect(issues('nonsense')).toEqual([FORM]);
    // A bare number has no unit: seconds or milliseconds would be a guess.
    expect(issues('600')).toEqual([FORM]);
    expect(issues('10w')).toEqual([FORM]);
    expect(issues('-5s')).toEqual([FORM]);
    expect(issues('30d')).toEqual(['audit.anchorLogEvery: expected a duration of at most 24 days (e.g. 24h)']);
  });

  it("docs/audit.md's SQLite example sets it", () => {
    const doc = readFileSync(new URL('../../docs/audit.md', import.meta.url), 'utf8');
    const sqlite = /```yaml\n([\s\S]*?)```/.exec(doc)![1]!;
    expect(parseConfig(`servers: {}\n${sqlite}`, { format: 'yaml' }).audit?.anchorLogEvery).toBe(600_000);
  });
});
