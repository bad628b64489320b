// The one contract every CacheStore backend meets (memory, Redis): run by cache-store.test.ts against each.
// Expiry is observed through the backend's own clock: advanced for memory, awaited (bounded) for Redis.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CacheStore } from '../../src/core/cache-store.js';
import { waitUntil } from '../helpers/process.js';

export interface ContractBackend {
  store: CacheStore;
  /** Moves time forward by at least `ms` for this store (a fake clock, or a real wait for a real server). */
  elapse(ms: number): Promise<void>;
  cleanup(): Promise<void>;
}

export function cacheStoreContract(name: string, make: () => Promise<ContractBackend>, opts: { skip?: boolean } = {}): void {
  describe.skipIf(opts.skip)(`CacheStore contract: ${name}`, () => {
    let b: ContractBackend;
    beforeEach(async () => {
      b = await make();
    });
    afterEach(async () => {
      await b.cleanup();
    });

    it('returns what was set, and undefined for what was not', async () => {
      await b.store.set('a', '{"x":1}', { ttlMs: 60_000 });
      expect(await b.store.get('a')).toBe('{"x":1}');
      expect(await b.store.get('missing')).toBeUndefined();
    });

    it('keeps texts exactly (unicode, newlines, empty)', async () => {
      const text = 'línea 1\nzwei 🚀 "quoted" \\ end';
      await b.store.set('u', text, { ttlMs: 60_000 });
      await b.store.set('empty', '', { ttlMs: 60_000 });
      expect(await b.store.get('u')).toBe(text);
      expect(await b.store.get('empty')).toBe('');
    });

    it('expires an entry after its TTL and not before', async () => {
      await b.store.set('short', 'v', { ttlMs: 150 });
      await b.store.set('long', 'v', { ttlMs: 60_000 });
      expect(await b.store.get('short')).toBe('v');
      await b.elapse(160);
      await waitUntil(async () => (await b.store.get('short')) === undefined, 5000, 'the short entry to expire');
      expect(await b.store.get('long')).toBe('v');
    });

    it('does not store with a TTL of 0', async () => {
      await b.store.set('zero', 'v', { ttlMs: 0 });
      expect(await b.store.get('zero')).toBeUndefined();
    });

    it('overwrites a value and its TTL', async () => {
      await b.store.set('k', 'old', { ttlMs: 150 });
      await b.store.set('k', 'new', { ttlMs: 60_000 });
      await b.elapse(200);
      expect(await b.store.get('k')).toBe('new');
    });

    it('deletes by key', async () => {
      await b.store.set('a', '1', { ttlMs: 60_000 });
      await b.store.set('b', '2', { ttlMs: 60_000 });
      await b.store.delete('a');
      await b.store.delete('never-set');
      expect([await b.store.get('a'), await b.store.get('b')]).toEqual([undefined, '2']);
    });

    it('deletes by prefix, literally (glob characters are not patterns)', async () => {
      await b.store.set('tools/call\nsrv__a\n1', '1', { ttlMs: 60_000 });
      await b.store.set('tools/call\nsrv__a\n2', '2', { ttlMs: 60_000 });
      await b.store.set('tools/call\nsrv__b\n1', '3', { ttlMs: 60_000 });
      await b.store.set('x*y', '4', { ttlMs: 60_000 });
      await b.store.set('xzy', '5', { ttlMs: 60_000 });
      expect(await b.store.deletePrefix('tools/call\nsrv__a\n')).toBe(2);
      expect(await b.store.get('tools/call\nsrv__a\n1')).toBeUndefined();
      expect(await b.store.get('tools/call\nsrv__b\n1')).toBe('3');
      expect(await b.store.deletePrefix('x*')).toBe(1);
      expect(await b.store.get('xzy')).toBe('5');
    });

    it("deletes everything with the prefix ''", async () => {
      await b.store.set('a', '1', { ttlMs: 60_000 });
      await b.store.set('b', '2', { ttlMs: 60_000 });
      expect(await b.store.deletePrefix('')).toBe(2);
      expect([await b.store.get('a'), await b.store.get('b')]).toEqual([undefined, undefined]);
    });

    it('deletes by tag, only the entries carrying it', async () => {
      await b.store.set('a', '1', { ttlMs: 60_000, tags: ['server:one', 'tool:one__x'] });
      await b.store.set('b', '2', { ttlMs: 60_000, tags: ['server:one'] });
      await b.store.set('c', '3', { ttlMs: 60_000, tags: ['server:two'] });
      expect(await b.store.deleteTag('server:one')).toBe(2);
      expect([await b.store.get('a'), await b.store.get('b'), await b.store.get('c')]).toEqual([undefined, undefined, '3']);
      expect(await b.store.deleteTag('server:one')).toBe(0);
      expect(await b.store.deleteTag('tool:one__x')).toBe(0);
    });

    it('finds a re-set entry by its new tags', async () => {
      await b.store.set('a', '1', { ttlMs: 60_000, tags: ['old'] });
      await b.store.set('a', '2', { ttlMs: 60_000, tags: ['new'] });
      expect(await b.store.deleteTag('new')).toBe(1);
      expect(await b.store.get('a')).toBeUndefined();
    });
  });
}
