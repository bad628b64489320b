// The `cache:` section of the gateway file: defaults, the shorthand forms, and clear errors naming the path.
import { describe, expect, it } from 'vitest';
import { ConfigInvalidError, parseConfig } from '../../src/gateway/config/index.js';

const base = `
servers:
  github:
    command: node
`;
const parse = (cache: string) => parseConfig(`${base}cache:\n${cache}`, { format: 'yaml', env: {} });
const issues = (cache: string): string[] => {
  try {
    parse(cache);
  } catch (err) {
    if (err instanceof ConfigInvalidError) return err.issues;
    throw err;
  }
  throw new Error('expected the config to be refused');
};

describe('cache config', () => {
  it('is off without a section, on with defaults with an empty one', () => {
    expect(parseConfig(base, { format: 'yaml', env: {} }).cache).toBeUndefined();
    expect(parseConfig(`${base}cache: {}\n`, { format: 'yaml', env: {} }).cache).toEqual({
      store: 'memory',
      maxEntries: 10_000,
      maxBytes: 64 * 1024 * 1024,
      partition: 'principal',
      ttlMs: 60_000,
      maxHintTtlMs: 3_600_000,
      dedup: true,
      servers: {},
    });
    expect(parseConfig(`${base}cache:\n  enabled: false\n`, { format: 'yaml', env: {} }).cache).toBeUndefined();
  });

  it('reads every setting, a redis URL given as a string, and per-server TTLs', () => {
    const c = parse(`  store: redis
  redis: redis://127.0.0.1:6379/2
  maxEntries: 50
  maxBytes: "1048576"
  partition: tenant
  ttlMs: 1000
  dedup: false
  servers:
    github:
      ttlMs: 5000
      tools:
        search_issues: 2000
        create_issue: 0
`).cache!;
    expect(c).toMatchObject({ store: 'redis', redis: { url: 'redis://127.0.0.1:6379/2', keyPrefix: 'mcplex:cache:', commandTimeoutMs: 1000 }, maxEntries: 50, maxBytes: 1048576, partition: 'tenant', ttlMs: 1000, dedup: false });
    expect({ ...c.servers.github, tools: { ...c.servers.github!.tools } }).toEqual({ ttlMs: 5000, tools: { search_issues: 2000, create_issue: 0 } });
  });

  it('names the path and the fix for each mistake', () => {
    expect(issues('  store: redis\n')).toEqual(['cache.redis: required when store is redis (e.g. redis: redis://127.0.0.1:6379)']);
    expect(issues('  store: disk\n')).toEqual(['cache.store: expected memory or redis']);
    expect(issues('  partition: user\n')).toEqual(['cache.partition: expected principal or tenant']);
    expect(issues('  ttlMs: -5\n')).toEqual(['cache.ttlMs: expected a TTL in milliseconds (an integer >= 0; 0 means never cache)']);
    expect(issues('  redis: http://x\n')).toEqual(['cache.redis.url: expected a redis:// or rediss:// URL (e.g. redis://127.0.0.1:6379)']);
    expect(issues('  servers:\n    gitlab: { ttlMs: 5 }\n')).toEqual(['cache.servers.gitlab: no server of that name is configured (use a name from servers)']);
    expect(issues('  servers:\n    github: { tools: { x: fast } }\n')).toEqual(['cache.servers.github.tools.x: expected a TTL in milliseconds (an integer >= 0; 0 means never cache)']);
    expect(issues('  partiton: tenant\n')).toEqual(["cache.partiton: unknown key (did you mean 'partition'?)"]);
  });
});
