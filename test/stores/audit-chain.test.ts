// The chain's hash text must never change (stored chains would fail verification): records without redacted
// arguments are hashed through JSON.stringify, which must write exactly the canonical JSON the chain was defined on.
// Anchors (a head kept outside the log) have one text form, `seq:hash`; the backends' contract suite checks them.
import { describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/core/audit.js';
import { canonicalJson, sha256 } from '../../src/core/index.js';
import { chain, formatAnchor, normalize, parseAnchor, recordHash, verifyChain } from '../../src/stores/audit-chain.js';

/**
 * The definition: sha256 of the canonical JSON of the normalized record with its seq and predecessor's hash;
 * `endpoint` and `client` (added later) only when set, so records from before them keep their hashes.
 */
function definedHash(r: AuditRecord, seq: number, prevHash: string): string {
  const { endpoint, client, ...rest } = normalize(r);
  return sha256(canonicalJson({ ...rest, ...(endpoint !== null && { endpoint }), ...(client !== null && { client }), seq, prevHash }));
}

const texts = ['', 'plain', 'quote " backslash \\ newline \n tab \t', 'é ü 漢字 🎉', '\u0000\u001f\u007f', 'lone \ud800 surrogate', '</script>'];

describe('audit chain hash', () => {
  it('is the canonical JSON hash for every kind of field value', () => {
    let seq = 0;
    for (const text of texts) {
      for (const extra of [{}, { tenant: null, target: null, upstream: null, errorCode: -32603 }, { argsDigest: sha256(text) }, { durationMs: 1e-7 }, { durationMs: 123456789.125 }, { endpoint: text }, { client: text }, { client: '203.0.113.7', endpoint: text }]) {
        const r: AuditRecord = { time: '2026-12-03T10:00:00.000Z', requestId: text, principal: `key:${text}`, tenant: text, method: 'tools/call', target: text, upstream: 'up', outcome: 'ok', errorCode: null, durationMs: 0.5, ...extra };
        seq += 1;
        expect(recordHash(r, seq, 'f'.repeat(64))).toBe(definedHash(r, seq, 'f'.repeat(64)));
      }
    }
  });

  it('is what it was before records could name an endpoint (stored chains still verify)', () => {
    // Computed with the code before `endpoint` existed.
    const r: AuditRecord = { time: '2026-01-01T00:00:01.000Z', requestId: 'req-1', principal: 'alice', tenant: 'acme', method: 'tools/call', target: 'fs__read', upstream: 'fs', argsDigest: 'ab'.repeat(32), outcome: 'ok', errorCode: null, durationMs: 1.25 };
    expect(recordHash(r, 1, '0'.repeat(64))).toBe('e5925568199b9f70e2cec6bef5c7b38384331bcbee398d25ce55a5a5c86763c9');
    expect(recordHash({ ...r, argsDigest: null, args: { path: '/x' } }, 2, '1'.repeat(64))).toBe('45b4864761bec3b14eaea1bebfe95c84ccb1a9cb8399cd78d6ff9ffee31649d8');
    expect(recordHash({ ...r, endpoint: null }, 1, '0'.repeat(64))).toBe('e5925568199b9f70e2cec6bef5c7b38384331bcbee398d25ce55a5a5c86763c9');
    expect(recordHash({ ...r, endpoint: 'research' }, 1, '0'.repeat(64))).not.toBe('e5925568199b9f70e2cec6bef5c7b38384331bcbee398d25ce55a5a5c86763c9');
    // Nor did `client` change them.
    expect(recordHash({ ...r, client: null }, 1, '0'.repeat(64))).toBe('e5925568199b9f70e2cec6bef5c7b38384331bcbee398d25ce55a5a5c86763c9');
    expect(recordHash({ ...r, client: '203.0.113.7' }, 1, '0'.repeat(64))).not.toBe('e5925568199b9f70e2cec6bef5c7b38384331bcbee398d25ce55a5a5c86763c9');
  });

  it('sorts the keys of redacted arguments at every depth', () => {
    const r: AuditRecord = { time: 't', requestId: 'r', principal: 'p', method: 'tools/call', outcome: 'error', errorCode: -32602, durationMs: 2, args: { z: [1, { b: 2, a: 'x' }], a: '[REDACTED]' } };
    const same: AuditRecord = { ...r, args: { a: '[REDACTED]', z: [1, { a: 'x', b: 2 }] } };
    expect(recordHash(r, 7, '0'.repeat(64))).toBe(definedHash(r, 7, '0'.repeat(64)));
    expect(recordHash(same, 7, '0'.repeat(64))).toBe(recordHash(r, 7, '0'.repeat(64)));
    expect(recordHash({ ...r, args: 'a string' }, 7, '0'.repeat(64))).toBe(definedHash({ ...r, args: 'a string' }, 7, '0'.repeat(64)));
  });
});

describe('audit anchors', () => {
  const hash = 'Ab'.repeat(32);

  it('read and write as seq:hash (hex in any case, stored lowercase)', () => {
    expect(parseAnchor(` 12:${hash}\n`)).toEqual({ seq: 12, hash: hash.toLowerCase() });
    expect(formatAnchor({ seq: 12, hash: hash.toLowerCase() })).toBe(`12:${hash.toLowerCase()}`);
  });

  it('refuse other text, naming the expected form', async () => {
    for (const bad of ['', '12', `12:${hash.slice(1)}`, `0:${hash}`, `-1:${hash}`, `1.5:${hash}`, `12:${'g'.repeat(64)}`, `${hash}:12`]) {
      expect(() => parseAnchor(bad)).toThrow(/invalid audit anchor .*expected <seq>:<64 hex>/);
    }
    await expect(verifyChain([], [{ seq: 0, hash }])).rejects.toThrow(/expected <seq>:<64 hex>/);
  });

  it('an anchor on an empty log says so', async () => {
    expect((await verifyChain([], [{ seq: 3, hash }])).anchors![0]!.message).toBe('record 3 is missing (the log is empty: truncated?)');
    const rows = chain([{ time: 't', requestId: 'r', principal: 'p', method: 'tools/call', outcome: 'ok', durationMs: 1 }], undefined);
    expect(await verifyChain(rows, [{ seq: 1, hash: rows[0]!.hash.toUpperCase() }])).toMatchObject({ ok: true, anchors: [{ ok: true }] });
  });
});
