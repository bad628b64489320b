// The gateway file's `policy:` section: access control (roles, principals, everyone), required scopes per server
// and tool, tenant quotas, rate limits, and the store their counters live in (memory, or Redis for replicas).
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: hints quote the file's own ${VAR} syntax
import { z } from 'zod';
import type { AccessPolicy } from '../../middleware/access-policy.js';
import { ACTIONS } from '../../middleware/policy-target.js';
import type { TenantQuota } from '../../middleware/quota.js';
import type { RateLimitRule } from '../../middleware/rate-limit.js';
import { unknownKeyMessage } from './hints.js';
import { itemPattern } from './item-pattern.js';

/** Strict mappings whose unknown keys get a "did you mean" line each (as schema.ts does). */
function strict<S extends z.core.$ZodLooseShape>(shape: S, expected: string) {
  const known = Object.keys(shape);
  return z.strictObject(shape, { error: (iss) => (iss.code === 'unrecognized_keys' ? iss.keys.map((k) => unknownKeyMessage(k, known)).join('\n') : expected) });
}
const toInt = (v: unknown) => (typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v);
const positive = (msg: string) => z.preprocess(toInt, z.number({ error: msg }).int({ error: msg }).positive({ error: msg }));
const list = <T extends z.ZodType>(item: T, msg: string) => z.preprocess((v) => (typeof v === 'string' ? [v] : v), z.array(item, { error: msg }));
const nonEmpty = (msg: string) => z.string({ error: msg }).min(1, { error: msg });

const pattern = itemPattern('tool:github__*');
const instant = z
  .union([z.number(), z.string()], { error: 'expected an ISO date-time (e.g. 2027-01-01T00:00:00Z) or epoch milliseconds' })
  .refine((v) => typeof v === 'number' || !Number.isNaN(Date.parse(v)), { error: 'not a date-time: write e.g. 2027-01-01T00:00:00Z' });
/** A rate: `limit` per `windowMs` (rate limits, quotas, capabilities' calls, auth.refusalLimit). */
export const rateWindow = strict({ limit: positive('expected a positive integer'), windowMs: positive('expected a positive integer (milliseconds)') }, 'expected { limit, windowMs }');

const argumentRule = strict(
  {
    glob: list(nonEmpty('expected a glob'), 'expected a glob or a list of globs').optional(),
    min: z.number({ error: 'expected a number' }).optional(),
    max: z.number({ error: 'expected a number' }).optional(),
    oneOf: z.array(z.union([z.string(), z.number(), z.boolean()]), { error: 'expected a list of allowed values' }).optional(),
    required: z.boolean({ error: 'expected true or false' }).optional(),
  },
  'expected a mapping with glob, min, max, oneOf and/or required',
);

const capability = strict(
  {
    resource: z.union([pattern, z.array(pattern)], { error: "expected a pattern or a list of patterns (e.g. 'tool:github__*')" }),
    actions: list(z.enum([...ACTIONS, '*'], { error: `expected one of ${[...ACTIONS, '*'].join(', ')}` }), 'expected a list of actions (e.g. [call])'),
    constraints: strict(
      {
        notBefore: instant.optional(),
        validUntil: instant.optional(),
        arguments: z.record(z.string(), argumentRule).optional(),
        maxCalls: rateWindow.optional(),
        endpoints: list(nonEmpty('expected an endpoint name (or main)'), 'expected a list of endpoint names (main: listen.path)').optional(),
      },
      'expected a mapping with notBefore, validUntil, arguments, maxCalls and/or endpoints',
    ).optional(),
  },
  'expected a capability { resource, actions, constraints? }',
);
const capabilities = z.array(capability, { error: 'expected a list of capabilities' });
const scopeList = list(nonEmpty('expected a scope name'), 'expected a list of scope names');

const tenantQuota = strict(
  { calls: rateWindow.optional(), concurrent: positive('expected a positive integer').optional(), upstreams: list(nonEmpty('expected a server name or glob'), 'expected a list of server names').optional() },
  'expected a mapping with calls, concurrent and/or upstreams',
);

const rateRule = strict(
  {
    per: list(z.enum(['principal', 'tenant', 'tool', 'client'], { error: 'expected principal, tenant, tool or client' }), 'expected a list: [principal], [tenant], [tool], [client], [principal, tool] or []'),
    limit: positive('expected a positive integer'),
    windowMs: positive('expected a positive integer (milliseconds)'),
    burst: positive('expected a positive integer').optional(),
    match: z.union([pattern, z.array(pattern)]).optional(),
    methods: z.array(nonEmpty('expected a method name'), { error: "expected a list of methods (e.g. [tools/call]) or ['*']" }).optional(),
  },
  'expected a rate limit { per, limit, windowMs, burst?, match?, methods? }',
);

const store = strict(
  {
    kind: z.enum(['memory', 'redis'], { error: 'expected memory or redis' }),
    url: z.string({ error: 'expected a redis:// URL' }).regex(/^rediss?:\/\//, { error: 'expected a redis:// URL (e.g. url: ${REDIS_URL})' }).optional(),
    prefix: z.string({ error: 'expected a key prefix' }).optional(),
  },
  'expected { kind: memory } or { kind: redis, url: ${REDIS_URL} }',
).refine((s) => s.kind !== 'redis' || s.url !== undefined, { error: 'kind redis needs url (e.g. url: ${REDIS_URL})', path: ['url'] });

export const policySchema = strict(
  {
    store: store.optional(),
    access: strict(
      {
        roles: z.record(z.string(), capabilities, { error: 'expected a mapping of role name to capabilities' }).optional(),
        principals: z
          .record(z.string(), strict({ roles: scopeList.optional(), capabilities: capabilities.optional() }, 'expected { roles?, capabilities? }'), {
            error: 'expected a mapping of principal id to { roles, capabilities }',
          })
          .optional(),
        everyone: capabilities.optional(),
      },
      'expected a mapping with roles, principals and/or everyone',
    ).optional(),
    scopes: strict(
      {
        servers: z.record(z.string(), scopeList, { error: 'expected a mapping of server name to required scopes' }).optional(),
        tools: z.record(z.string(), scopeList, { error: 'expected a mapping of exposed tool name (or glob) to required scopes' }).optional(),
      },
      'expected a mapping with servers and/or tools',
    ).optional(),
    tenants: z.record(z.string(), tenantQuota, { error: 'expected a mapping of tenant id to quota' }).optional(),
    defaultTenant: tenantQuota.optional(),
    rateLimits: z.array(rateRule, { error: 'expected a list of rate limits' }).optional(),
  },
  'expected a mapping with store, access, scopes, tenants, defaultTenant and/or rateLimits',
);

export interface PolicyConfig {
  store: { kind: 'memory' } | { kind: 'redis'; url: string; prefix?: string };
  /** Absent: no access control (every principal may use everything). */
  access?: AccessPolicy;
  scopes: { servers: Record<string, string[]>; tools: Record<string, string[]> };
  tenants: Record<string, TenantQuota>;
  defaultTenant?: TenantQuota;
  rateLimits: RateLimitRule[];
}

export function buildPolicy(raw: z.output<typeof policySchema>): PolicyConfig {
  const s = raw.store;
  return {
    store: s?.kind === 'redis' ? { kind: 'redis', url: s.url!, ...(s.prefix !== undefined && { prefix: s.prefix }) } : { kind: 'memory' },
    ...(raw.access && { access: raw.access as AccessPolicy }),
    scopes: { servers: raw.scopes?.servers ?? {}, tools: raw.scopes?.tools ?? {} },
    tenants: raw.tenants ?? {},
    ...(raw.defaultTenant && { defaultTenant: raw.defaultTenant }),
    rateLimits: raw.rateLimits ?? [],
  };
}
