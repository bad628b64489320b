// The SecretStore contract against its three backends: memory, a 0600 JSON file, and Redis (REDIS_URL, a key prefix
// of its own per run). A value is kept until deleted, or until its TTL runs out; the file keeps it across a reopen.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SecretStore } from '../../src/core/secret-store.js';
import { FileSecretStore } from '../../src/stores/file/secret-file.js';
import { MemorySecretStore } from '../../src/stores/memory/secret-store.js';
import { RedisSecretStore } from '../../src/stores/redis/secret-store.js';
import { sharedRedisUrl, uniquePrefix } from '../helpers/own-redis.js';
import { waitUntil } from '../helpers/process.js';

const redisUrl = sharedRedisUrl('SecretStore contract: redis');
const dir = mkdtempSync(join(tmpdir(), 'mcplex-secrets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

const backends: Array<[string, () => SecretStore, boolean]> = [
  ['memory', () => new MemorySecretStore(), false],
  ['file', () => new FileSecretStore(join(dir, `store-${++files}.json`)), false],
  ['redis', () => new RedisSecretStore({ url: redisUrl!, keyPrefix: uniquePrefix('secrets') }), !redisUrl],
];

describe.each(backends)('SecretStore: %s', (_name, make, skip) => {
  it.skipIf(skip)('keeps a value until it is deleted', async () => {
    const store = make();
    expect(await store.get('a')).toBeUndefined();
    await store.set('a', '{"token":"t1"}');
    await store.set('b', 'two');
    expect(await store.get('a')).toBe('{"token":"t1"}');
    await store.set('a', 'replaced');
    expect(await store.get('a')).toBe('replaced');
    await store.delete('a');
    expect(await store.get('a')).toBeUndefined();
    expect(await store.get('b')).toBe('two');
    await store.close();
  });

  it.skipIf(skip)('forgets a value whose TTL ran out, and only that one', async () => {
    const store = make();
    await store.set('short', 'x', 60);
    await store.set('long', 'y', 60_000);
    expect(await store.get('short')).toBe('x');
    await waitUntil(async () => (await store.get('short')) === undefined, 5000, 'the value to run out');
    expect(await store.get('long')).toBe('y');
    await store.close();
  });
});

describe('FileSecretStore', () => {
  it('keeps its values across a reopen, in a file only its owner may read', async () => {
    const path = join(dir, 'nested', 'grants.json');
    const first = new FileSecretStore(path);
    await first.set('grant', 'secret-value');
    await first.set('gone', 'x', 1);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const again = new FileSecretStore(path);
    expect(await again.get('grant')).toBe('secret-value');
    await waitUntil(async () => (await again.get('gone')) === undefined, 2000, 'the value to run out');
    expect(JSON.parse(readFileSync(path, 'utf8')).entries).not.toHaveProperty('gone');
  });

  it('refuses a file that is not its JSON, naming the file and the fix', () => {
    const path = join(dir, 'bad.json');
    writeFileSync(path, 'not json');
    expect(() => new FileSecretStore(path)).toThrow(`${path} is not JSON: fix or remove it`);
    writeFileSync(path, '{"version":1}');
    expect(() => new FileSecretStore(path)).toThrow('has no "entries" object');
  });
});
