// The SecretStore contract against its three backends: memory, a 0600 JSON file, and Redis (REDIS_URL, a key prefix
// of its own per run), and sealed in front of the last two. A value is kept until deleted, or until its TTL runs out;
// the file keeps it across a reopen; sealed, what lands in the backend is ciphertext bound to its key.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SecretStore } from '../../src/core/secret-store.js';
import { FileSecretStore, takeOverStale } from '../../src/stores/file/secret-file.js';
import { MemorySecretStore } from '../../src/stores/memory/secret-store.js';
import { RedisSecretStore } from '../../src/stores/redis/secret-store.js';
import { SealedSecretStore } from '../../src/stores/sealed-secret-store.js';
import { capturingLogger } from '../helpers/logger.js';
import { sharedRedisUrl, uniquePrefix } from '../helpers/own-redis.js';
import { ROOT, waitForLine, waitUntil } from '../helpers/process.js';
import { onTwo } from '../helpers/two-instances.js';

const redisUrl = sharedRedisUrl('SecretStore contract: redis');
const dir = mkdtempSync(join(tmpdir(), 'mcplex-secrets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const KEY = 'a-secret-of-at-least-32-characters!!';
const OTHER_KEY = 'another-secret-of-32-characters-or-more';

const backends: Array<[string, () => SecretStore, boolean]> = [
  ['memory', () => new MemorySecretStore(), false],
  ['file', () => new FileSecretStore(join(dir, `store-${++files}.json`)), false],
  ['redis', () => new RedisSecretStore({ url: redisUrl!, keyPrefix: uniquePrefix('secrets') }), !redisUrl],
  ['file, sealed', () => new SealedSecretStore(new FileSecretStore(join(dir, `store-${++files}.json`)), KEY), false],
  ['redis, sealed', () => new SealedSecretStore(new RedisSecretStore({ url: redisUrl!, keyPrefix: uniquePrefix('secrets') }), KEY), !redisUrl],
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

  it.skipIf(skip)('lists the keys held under a prefix (a prefix with glob characters is itself), not those run out or deleted', async () => {
    const store = make();
    await store.set('oauth:a*:tokens:gateway', '1');
    await store.set('oauth:a*:tokens:["t","alice","jwt"]', '2');
    await store.set('oauth:ab:tokens:gateway', '3');
    await store.set('oauth:a*:tokens:gone', '4');
    await store.delete('oauth:a*:tokens:gone');
    await store.set('oauth:a*:tokens:short', '5', 40);
    await waitUntil(async () => (await store.get('oauth:a*:tokens:short')) === undefined, 5000, 'the short one to run out');
    expect((await store.keys('oauth:a*:tokens:')).sort()).toEqual(['oauth:a*:tokens:["t","alice","jwt"]', 'oauth:a*:tokens:gateway']);
    expect(await store.keys('nothing:')).toEqual([]);
    await store.close();
  });
});

describe.each(backends)('SecretStore claim: %s', (_name, make, skip) => {
  it.skipIf(skip)('is made once, until its holder releases it or its TTL runs out', async () => {
    const store = make();
    const first = await store.claim('lock', 60_000);
    expect(first).toEqual(expect.any(String));
    expect(await store.claim('lock', 60_000)).toBeUndefined();
    // Only with its own token.
    await store.release('lock', 'not-the-token');
    expect(await store.claim('lock', 60_000)).toBeUndefined();
    await store.release('lock', first!);
    const short = await store.claim('lock', 80);
    expect(short).toEqual(expect.any(String));
    expect(short).not.toBe(first);
    expect(await store.claim('lock', 80)).toBeUndefined();
    const again = await waitUntil(() => store.claim('lock', 60_000), 5000, 'the claim to run out and be made again');
    // The holder whose claim ran out releases nothing: the claim is the new holder's.
    await store.release('lock', short!);
    expect(await store.claim('lock', 60_000)).toBeUndefined();
    await store.release('lock', again);
    expect(await store.claim('lock', 60_000)).toEqual(expect.any(String));
    // A key holding a value is not claimed over it.
    await store.set('grant', 'kept');
    expect(await store.claim('grant', 60_000)).toBeUndefined();
    expect(await store.get('grant')).toBe('kept');
    await store.close();
  });
});

/** Two stores on one backend, as two replicas (or two processes on one file) hold them. */
const shared: Array<[string, () => Promise<[SecretStore, SecretStore]>, boolean]> = [
  ['memory (one store)', async () => { const store = new MemorySecretStore(); return [store, store]; }, false],
  ['file', async () => { const path = join(dir, `claim-${++files}.json`); return [new FileSecretStore(path), new FileSecretStore(path)]; }, false],
  ['redis', async () => { const keyPrefix = uniquePrefix('claims'); return [new RedisSecretStore({ url: redisUrl!, keyPrefix }), new RedisSecretStore({ url: redisUrl!, keyPrefix })]; }, !redisUrl],
];

describe.each(shared)('SecretStore claim on two instances: %s', (_name, make, skip) => {
  it.skipIf(skip)('goes to exactly one of many made at once', onTwo(make)(async (a, b) => {
    const made = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).claim('refreshing', 60_000)));
    const holders = made.filter((token) => token !== undefined);
    expect(holders).toHaveLength(1);
    await (made.indexOf(holders[0]) % 2 ? a : b).release('refreshing', holders[0]!);
    expect(await a.claim('refreshing', 60_000)).toEqual(expect.any(String));
    expect(await b.claim('refreshing', 60_000)).toBeUndefined();
  }));
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

  it('is shared by several stores on one file: each sees what the others wrote, and no change is lost', async () => {
    const path = join(dir, 'shared.json');
    const a = new FileSecretStore(path);
    const b = new FileSecretStore(path);
    await a.set('grant', 'from a');
    expect(await b.get('grant')).toBe('from a');
    await b.set('grant', 'refreshed by b');
    expect(await a.get('grant')).toBe('refreshed by b');
    // Interleaved changes, each on what the file holds when it is made.
    await Promise.all(Array.from({ length: 20 }, (_, i) => [a.set(`a${i}`, String(i)), b.set(`b${i}`, String(i))]).flat());
    await b.delete('a3');
    const held = JSON.parse(readFileSync(path, 'utf8')).entries as Record<string, unknown>;
    expect(Object.keys(held).sort()).toEqual(['grant', ...Array.from({ length: 20 }, (_, i) => [`a${i}`, `b${i}`]).flat().filter((k) => k !== 'a3')].sort());
    expect(await a.get('a3')).toBeUndefined();
  });

  it('loses nothing when two processes write it at once', async () => {
    const path = join(dir, 'two-processes.json');
    const go = `${path}.go`;
    // Each opens the store, says so, and writes once both are open (when the go file appears).
    const writer = (name: string) => {
      const script = `import('./src/stores/file/secret-file.ts').then(async ({ FileSecretStore }) => {
        const s = new FileSecretStore(${JSON.stringify(path)});
        process.stdout.write('ready\\n');
        while (!require('node:fs').existsSync(${JSON.stringify(go)})) await new Promise((r) => setTimeout(r, 5));
        for (let i = 0; i < 40; i++) await s.set('${name}' + i, 'v' + i);
      })`;
      const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
      return { ready: waitForLine(child.stdout, (l) => l === 'ready', 20_000), exited: new Promise<number | null>((resolve) => child.on('exit', resolve)) };
    };
    const [p, q] = [writer('p'), writer('q')];
    await Promise.all([p.ready, q.ready]);
    writeFileSync(go, '');
    expect(await Promise.all([p.exited, q.exited])).toEqual([0, 0]);
    const held = new FileSecretStore(path);
    for (let i = 0; i < 40; i++) {
      expect(await held.get(`p${i}`)).toBe(`v${i}`);
      expect(await held.get(`q${i}`)).toBe(`v${i}`);
    }
    expect(existsSync(`${path}.lock`)).toBe(false);
  }, 60_000);

  it("waits for another process's lock, and takes over one left by a crashed process", async () => {
    const path = join(dir, 'locked.json');
    const store = new FileSecretStore(path);
    writeFileSync(`${path}.lock`, '');
    let done = false;
    const setting = store.set('k', 'v').then(() => {
      done = true;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(done).toBe(false);
    expect(existsSync(path)).toBe(false);
    rmSync(`${path}.lock`);
    await setting;
    expect(await new FileSecretStore(path).get('k')).toBe('v');
    // A lock older than any change takes: its holder is gone.
    writeFileSync(`${path}.lock`, '');
    const old = new Date(Date.now() - 60_000);
    utimesSync(`${path}.lock`, old, old);
    await store.set('k', 'w');
    expect(await new FileSecretStore(path).get('k')).toBe('w');
  });

  it('a stale lock is taken over once: a process that saw it stale does not remove the lock another has taken since', () => {
    const path = join(dir, 'taken-over.json');
    const lock = `${path}.lock`;
    writeFileSync(lock, '');
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);
    const seen = statSync(lock);
    // Another process took it over meanwhile: its own lock, fresh.
    rmSync(lock);
    writeFileSync(lock, 'another');
    takeOverStale(lock, seen);
    expect(readFileSync(lock, 'utf8')).toBe('another');
    // Once that one is stale in turn, it is removed, and the guard with it.
    utimesSync(lock, old, old);
    takeOverStale(lock, statSync(lock));
    expect(existsSync(lock)).toBe(false);
    expect(existsSync(`${lock}.takeover`)).toBe(false);
    // A guard a crashed process left is cleared once stale, and the next try takes the lock over.
    writeFileSync(lock, '');
    utimesSync(lock, old, old);
    writeFileSync(`${lock}.takeover`, '');
    utimesSync(`${lock}.takeover`, old, old);
    takeOverStale(lock, statSync(lock));
    expect(existsSync(lock)).toBe(true);
    expect(existsSync(`${lock}.takeover`)).toBe(false);
    takeOverStale(lock, statSync(lock));
    expect(existsSync(lock)).toBe(false);
  });

  it('refuses a file that is not its JSON, naming the file and the fix', () => {
    const path = join(dir, 'bad.json');
    writeFileSync(path, 'not json');
    expect(() => new FileSecretStore(path)).toThrow(`${path} is not JSON: fix or remove it`);
    writeFileSync(path, '{"version":1}');
    expect(() => new FileSecretStore(path)).toThrow('has no "entries" object');
  });
});

describe('SealedSecretStore', () => {
  it('writes ciphertext bound to its key, opens it with the same or a previous secret, and reads anything else as absent (named once in the log)', async () => {
    const inner = new MemorySecretStore();
    const logger = capturingLogger();
    const sealed = new SealedSecretStore(inner, KEY, [], logger);
    const grant = '{"access_token":"at-0123456789","refresh_token":"rt-0123456789"}';
    await sealed.set('oauth:remote:tokens:alice', grant);
    const raw = (await inner.get('oauth:remote:tokens:alice'))!;
    expect(raw).toMatch(/^mcplex\.sealed\.v1:[\w-]+$/);
    expect(raw).not.toContain('0123456789');
    expect(await sealed.get('oauth:remote:tokens:alice')).toBe(grant);
    // Each write seals afresh (a new IV): the same value never looks the same twice.
    await sealed.set('oauth:remote:tokens:bob', grant);
    expect(await inner.get('oauth:remote:tokens:bob')).not.toBe(raw);

    // Alice's sealed grant copied under bob's key does not open there.
    await inner.set('oauth:remote:tokens:bob', raw);
    expect(await sealed.get('oauth:remote:tokens:bob')).toBeUndefined();
    // Altered by a byte: does not open.
    const flipped = raw.slice(0, -2) + (raw.at(-2) === 'A' ? 'B' : 'A') + raw.at(-1);
    await inner.set('oauth:remote:tokens:carol', flipped);
    expect(await sealed.get('oauth:remote:tokens:carol')).toBeUndefined();
    // Not sealed (written before sealing was turned on, or by someone else): ignored.
    await inner.set('oauth:remote:tokens:dave', grant);
    expect(await sealed.get('oauth:remote:tokens:dave')).toBeUndefined();
    expect(await sealed.get('oauth:remote:tokens:dave')).toBeUndefined();
    const warned = logger.entries.filter((e) => e.level === 'warn').map((e) => [(e.obj as { key: string }).key, e.msg]);
    expect(warned).toEqual([
      ['oauth:remote:tokens:bob', expect.stringContaining('sealed with a key that is not configured (or altered)')],
      ['oauth:remote:tokens:carol', expect.stringContaining('sealed with a key that is not configured (or altered)')],
      ['oauth:remote:tokens:dave', expect.stringContaining('it is not sealed')],
    ]);
    expect(JSON.stringify(logger.entries)).not.toContain('0123456789');

    // Rotation: the new secret seals, the old one still opens what it sealed; without it, that reads as absent.
    const rotated = new SealedSecretStore(inner, OTHER_KEY, [KEY]);
    expect(await rotated.get('oauth:remote:tokens:alice')).toBe(grant);
    await rotated.set('oauth:remote:tokens:erin', 'new');
    expect(await new SealedSecretStore(inner, OTHER_KEY).get('oauth:remote:tokens:erin')).toBe('new');
    expect(await new SealedSecretStore(inner, OTHER_KEY).get('oauth:remote:tokens:alice')).toBeUndefined();
    expect(await new SealedSecretStore(inner, KEY).get('oauth:remote:tokens:erin')).toBeUndefined();
  });
});
