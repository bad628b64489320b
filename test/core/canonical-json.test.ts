// canonicalJson is the basis of cache keys and of the audit log's hash chain: its output is pinned here, since
// a change would make every stored audit chain fail verification.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson, sha256 } from '../../src/core/index.js';

describe('canonicalJson', () => {
  it('sorts keys at every depth and writes what JSON.stringify writes for the rest', () => {
    const value = { z: 1, a: [3, { y: 'é"\n', b: null }, undefined, () => 1], m: { k: true, c: 1.5e-7 }, u: undefined, f: () => 2, s: Symbol('x') };
    expect(canonicalJson(value)).toBe('{"a":[3,{"b":null,"y":"é\\"\\n"},null,null],"m":{"c":1.5e-7,"k":true},"s":null,"z":1}');
  });

  it('gives one text for the same data built in any key order', () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: 3 } })).toBe(canonicalJson({ a: { c: 3, d: 2 }, b: 1 }));
  });

  it('writes scalars, empty containers and non-plain objects as before', () => {
    expect([null, 1, 'x', true, [], {}, new Date(0), Number.NaN].map(canonicalJson)).toEqual(['null', '1', '"x"', 'true', '[]', '{}', '{}', 'null']);
    expect(canonicalJson(undefined)).toBe('null');
  });
});

/** The definition, written plainly: keys sorted at every depth, JSON.stringify for everything else. */
function reference(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined || typeof v === 'function' ? 'null' : reference(v))).join(',')}]`;
  const entries = Object.keys(value)
    .sort()
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined && typeof (value as Record<string, unknown>)[k] !== 'function');
  return `{${entries.map((k) => `${JSON.stringify(k)}:${reference((value as Record<string, unknown>)[k])}`).join(',')}}`;
}

/** Deterministic pseudo-random JSON-ish values: sorted and unsorted keys, integer-like keys, odd numbers and non-JSON values. */
function randomValue(next: () => number, depth: number): unknown {
  const pick = Math.floor(next() * (depth > 3 ? 7 : 10));
  const keys = ['a', 'b', 'z', 'text', 'é', '10', '9', '_meta', 'Z', ''];
  switch (pick) {
    case 0: return null;
    case 1: return ['', 'x', 'é"\n', '\ud800', '🎉'][Math.floor(next() * 5)];
    case 2: return [0, -0, 1.5e-7, 123456789.125, Number.NaN, Number.POSITIVE_INFINITY, -42][Math.floor(next() * 7)];
    case 3: return next() < 0.5;
    case 4: return next() < 0.5 ? undefined : () => 1;
    case 5: return new Date(0);
    case 6: return Symbol('s');
    case 7: return Array.from({ length: Math.floor(next() * 4) }, () => randomValue(next, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      const chosen = keys.filter(() => next() < 0.4);
      if (next() < 0.5) chosen.sort();
      for (const k of chosen) o[k] = randomValue(next, depth + 1);
      return o;
    }
  }
}

describe('canonicalJson on random values', () => {
  it('writes what the plain definition writes, fast path or not', () => {
    let seed = 42;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (let i = 0; i < 20_000; i++) {
      const value = randomValue(next, 0);
      expect(canonicalJson(value)).toBe(reference(value));
    }
  });
});

describe('sha256', () => {
  it('matches createHash in hex and base64url', () => {
    for (const text of ['', 'abc', 'é'.repeat(1000)]) {
      expect(sha256(text)).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
      expect(sha256(text, 'base64url')).toBe(createHash('sha256').update(text, 'utf8').digest('base64url'));
    }
  });
});
