// docs/cache.md's gateway configs are real: each yaml block parses with the shipped loader to what the text says.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { parseConfig } from '../../src/gateway/config/index.js';

const doc = readFileSync(new URL('../../docs/cache.md', import.meta.url), 'utf8');
const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);

it('every yaml block in docs/cache.md is a valid gateway config with the cache it describes', () => {
  expect(blocks).toHaveLength(2);
  const [memory, redis] = blocks.map((b) => parseConfig(b, { format: 'yaml', env: {} }).cache!);
  expect(memory).toMatchObject({ store: 'memory', partition: 'principal', ttlMs: 60000, dedup: true });
  expect({ ...memory!.servers.github!.tools }).toEqual({ search_issues: 5000, get_me: 0 });
  expect(redis).toMatchObject({ store: 'redis', redis: { url: 'redis://127.0.0.1:6379', keyPrefix: 'mcplex:cache:', commandTimeoutMs: 1000 } });
});
