// The gateway file's `cache:` section: schema (zod), the validated shape, and the rules that relate it to the
// rest of the file (a per-server block must name a configured server; the redis store needs a URL).
import { z } from 'zod';
import { redisUrlSchema } from './redis.js';
import type { Issue } from './errors.js';
import { unknownKeyMessage } from './hints.js';

export interface CacheConfig {
  /** Where entries live: this process (LRU) or Redis shared by replicas (falls back to local while it is away). */
  store: 'memory' | 'redis';
  redis?: { url: string; keyPrefix: string; commandTimeoutMs: number };
  maxEntries: number;
  maxBytes: number;
  /** Whose results an entry may serve: the same principal, or anyone of the same tenant. */
  partition: 'principal' | 'tenant';
  /** TTL of results of tools annotated readOnlyHint. */
  ttlMs: number;
  /** Upper bound on an upstream's own `ttlMs` hint (resources/read). */
  maxHintTtlMs: number;
  /** Identical concurrent cacheable calls share one upstream call. */
  dedup: boolean;
  /** Per server (config name): its read-only tools' TTL, and per original tool name a TTL (0: never; > 0: cache even without readOnlyHint). */
  servers: Record<string, { ttlMs?: number; tools: Record<string, number> }>;
}

export const CACHE_DEFAULTS = { maxEntries: 10_000, maxBytes: 64 * 1024 * 1024, ttlMs: 60_000, maxHintTtlMs: 3_600_000, keyPrefix: 'mcplex:cache:', commandTimeoutMs: 1000 } as const;

const strict = <S extends z.core.$ZodLooseShape>(shape: S, expected: string) =>
  z.strictObject(shape, {
    error: (iss) => (iss.code === 'unrecognized_keys' ? iss.keys.map((k) => unknownKeyMessage(k, Object.keys(shape))).join('\n') : expected),
  });
const toInt = (v: unknown) => (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : v);
const toBool = (v: unknown) => (v === 'true' ? true : v === 'false' ? false : v);
const int = (min: number, msg: string) => z.preprocess(toInt, z.number({ error: msg }).int({ error: msg }).min(min, { error: msg }).max(Number.MAX_SAFE_INTEGER, { error: msg }));
const ttl = int(0, 'expected a TTL in milliseconds (an integer >= 0; 0 means never cache)');
const positive = int(1, 'expected a positive integer');
const nullToEmpty = (v: unknown) => (v === null ? {} : v);

const redis = z.preprocess(
  (v) => (typeof v === 'string' ? { url: v } : v),
  strict(
    {
      url: redisUrlSchema,
      keyPrefix: z.string({ error: 'expected a key prefix (a string)' }).optional(),
      commandTimeoutMs: positive.optional(),
    },
    'expected a redis:// URL, or a mapping with url, keyPrefix and commandTimeoutMs',
  ),
);

const serverCache = z.preprocess(
  nullToEmpty,
  strict(
    {
      ttlMs: ttl.optional(),
      tools: z.preprocess(nullToEmpty, z.record(z.string(), ttl, { error: 'expected a mapping of tool name (as the server names it) to TTL in ms' })).optional(),
    },
    'expected a mapping with ttlMs and/or tools',
  ),
);

export const cacheSchema = z.preprocess(
  nullToEmpty,
  strict(
    {
      enabled: z.preprocess(toBool, z.boolean({ error: 'expected true or false' })).optional(),
      store: z.enum(['memory', 'redis'], { error: 'expected memory or redis' }).optional(),
      redis: redis.optional(),
      maxEntries: positive.optional(),
      maxBytes: positive.optional(),
      partition: z.enum(['principal', 'tenant'], { error: 'expected principal or tenant' }).optional(),
      ttlMs: ttl.optional(),
      maxHintTtlMs: ttl.optional(),
      dedup: z.preprocess(toBool, z.boolean({ error: 'expected true or false' })).optional(),
      servers: z.preprocess(nullToEmpty, z.record(z.string(), serverCache, { error: 'expected a mapping of server name to its cache settings' })).optional(),
    },
    'expected a mapping with store, partition, ttlMs, servers, …',
  ),
);

type RawCache = z.infer<typeof cacheSchema>;
type Tree = Record<string, unknown>;
const isMap = (v: unknown): v is Tree => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Rules across sections: run on the raw tree with the other structural checks. */
export function checkCache(root: Tree, issues: Issue[]): void {
  const c = root.cache;
  if (!isMap(c)) return;
  if (c.store === 'redis' && (c.redis === undefined || c.redis === null)) {
    issues.push({ path: ['cache', 'redis'], message: 'required when store is redis (e.g. redis: redis://127.0.0.1:6379)' });
  }
  const servers = [root.servers, root.mcpServers].find(isMap) ?? {};
  if (!isMap(c.servers)) return;
  for (const name of Object.keys(c.servers)) {
    if (!Object.hasOwn(servers, name)) issues.push({ path: ['cache', 'servers', name], message: 'no server of that name is configured (use a name from servers)' });
  }
}

/** The GatewayConfig part for the section: `{ cache }`, or nothing when it is absent or `enabled: false`. */
export function cacheSection(raw: RawCache | undefined): { cache?: CacheConfig } {
  if (raw === undefined || raw.enabled === false) return {};
  return { cache: buildCache(raw) };
}

function buildCache(raw: RawCache): CacheConfig {
  const servers: CacheConfig['servers'] = Object.create(null);
  for (const [name, s] of Object.entries(raw.servers ?? {})) {
    servers[name] = { ...(s.ttlMs !== undefined && { ttlMs: s.ttlMs }), tools: Object.assign(Object.create(null), s.tools) };
  }
  return {
    store: raw.store ?? 'memory',
    ...(raw.redis && {
      redis: { url: raw.redis.url, keyPrefix: raw.redis.keyPrefix ?? CACHE_DEFAULTS.keyPrefix, commandTimeoutMs: raw.redis.commandTimeoutMs ?? CACHE_DEFAULTS.commandTimeoutMs },
    }),
    maxEntries: raw.maxEntries ?? CACHE_DEFAULTS.maxEntries,
    maxBytes: raw.maxBytes ?? CACHE_DEFAULTS.maxBytes,
    partition: raw.partition ?? 'principal',
    ttlMs: raw.ttlMs ?? CACHE_DEFAULTS.ttlMs,
    maxHintTtlMs: raw.maxHintTtlMs ?? CACHE_DEFAULTS.maxHintTtlMs,
    dedup: raw.dedup ?? true,
    servers,
  };
}
