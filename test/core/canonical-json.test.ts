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

describe('sha256', () => {
  it('matches createHash in hex and base64url', () => {
    for (const text of ['', 'abc', 'é'.repeat(1000)]) {
      expect(sha256(text)).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
      expect(sha256(text, 'base64url')).toBe(createHash('sha256').update(text, 'utf8').digest('base64url'));
    }
  });
});
