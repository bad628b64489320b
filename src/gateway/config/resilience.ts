// The resilience part of the gateway file: the gateway-wide `resilience:` section and the per-server keys
// (required, toolTimeouts, maxTimeoutMs, retry, breaker, healthCheck, restartBackoff, mode, disabledTools), schema and types.
import { z } from 'zod';
import { unknownKeyMessage } from './hints.js';

const intIn = (min: number, max: number, msg: string) =>
  z.preprocess((v) => (typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v), z.number({ error: msg }).int({ error: msg }).min(min, { error: msg }).max(max, { error: msg }));
const ms = intIn(1, 2_147_483_647, 'expected a positive integer (milliseconds)');
const count = intIn(1, 1_000_000, 'expected a positive integer');
const ratio = z.number({ error: 'expected a number between 0 and 1 (e.g. 0.5)' }).min(0, { error: 'expected a number between 0 and 1 (e.g. 0.5)' }).max(1, { error: 'expected a number between 0 and 1 (e.g. 0.5)' });
const bool = z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean({ error: 'expected true or false' }));
const globs = z.preprocess(
  (v) => (typeof v === 'string' ? [v] : v === null ? [] : v),
  z.array(z.string({ error: 'expected a tool name or glob pattern' }).min(1, { error: 'expected a tool name or glob pattern' }), { error: 'expected a list of tool names or glob patterns' }),
);
const MODES = ['normal', 'read-only'] as const;
const mode = z.enum(MODES, { error: `expected one of ${MODES.join(', ')}` });
const strict = <S extends z.core.$ZodLooseShape>(shape: S, expected: string) =>
  z.strictObject(shape, { error: (iss) => (iss.code === 'unrecognized_keys' ? iss.keys.map((k) => unknownKeyMessage(k, Object.keys(shape))).join('\n') : expected) });
/**
 * `false` switches a feature off; a mapping tunes it. Not a z.union: a union reports one vague line for a mapping
 * with one bad key, where we want that key's own path and message.
 */
function offOr<T extends z.ZodType>(schema: T) {
  return z
    .unknown()
    .superRefine((v, ctx) => {
      if (v === false) return;
      if (v === null || typeof v !== 'object' || Array.isArray(v)) return void ctx.addIssue({ code: 'custom', message: 'expected false (off) or a mapping' });
      for (const iss of schema.safeParse(v).error?.issues ?? []) {
        const path = iss.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
        if (iss.code !== 'unrecognized_keys') ctx.addIssue({ code: 'custom', path, message: iss.message });
        else {
          const lines = iss.message.split('\n');
          for (const [i, k] of iss.keys.entries()) ctx.addIssue({ code: 'custom', path: [...path, k], message: lines[i] ?? 'unknown key' });
        }
      }
    })
    .transform((v) => (v === false ? false : (schema.parse(v) as z.output<T>)));
}

const breakerShape = {
  failures: count.optional(),
  errorRate: ratio.optional(),
  minRequests: count.optional(),
  windowMs: ms.optional(),
  openMs: ms.optional(),
};
const breaker = strict(breakerShape, 'expected a mapping with failures, errorRate, minRequests, windowMs, openMs');
const healthCheck = strict({ intervalMs: ms.optional(), failures: count.optional(), timeoutMs: ms.optional() }, 'expected a mapping with intervalMs, failures, timeoutMs');
/** How a server that exits or cannot connect is tried again (the supervisor's backoff; client/backoff.ts). */
const restartBackoff = strict(
  { initialDelayMs: ms.optional(), maxDelayMs: ms.optional(), healthyAfterMs: ms.optional() },
  'expected a mapping with initialDelayMs, maxDelayMs, healthyAfterMs',
).refine((b) => b.initialDelayMs === undefined || b.maxDelayMs === undefined || b.maxDelayMs >= b.initialDelayMs, {
  error: 'maxDelayMs must be at least initialDelayMs',
  path: ['maxDelayMs'],
});

const fallbackRule = z.union(
  [strict({ result: z.record(z.string(), z.unknown()) }, 'expected { result: {...} }'), strict({ lastGood: z.literal(true), maxAgeMs: ms.optional() }, 'expected { lastGood: true, maxAgeMs }')],
  { error: 'expected { result: <a tools/call result> } or { lastGood: true, maxAgeMs: <ms> }' },
);

/** The gateway-wide `resilience:` section. */
export const resilienceSchema = strict(
  {
    retry: offOr(
      strict(
        { retries: intIn(0, 10, 'expected an integer 0-10').optional(), baseDelayMs: ms.optional(), maxDelayMs: ms.optional(), budgetRatio: ratio.optional(), budgetMinPerSecond: intIn(0, 1000, 'expected an integer 0-1000').optional() },
        'expected a mapping with retries, baseDelayMs, maxDelayMs, budgetRatio, budgetMinPerSecond',
      ),
    ).optional(),
    breaker: offOr(strict({ ...breakerShape, whenOpen: z.enum(['show', 'hide', 'mark'], { error: 'expected show, hide or mark' }).optional() }, 'expected a mapping with failures, errorRate, minRequests, windowMs, openMs, whenOpen')).optional(),
    healthCheck: offOr(healthCheck).optional(),
    /** Every server's, unless its own says otherwise (per key). */
    restartBackoff: restartBackoff.optional(),
    mode: mode.optional(),
    disabledTools: globs.optional(),
    fallbacks: z.record(z.string(), fallbackRule, { error: 'expected a mapping of exposed tool name to a fallback' }).optional(),
    /** A call to a tool of a restarting server waits this long for it (bounded by the call's timeout); 0 fails at once. */
    waitForRestartMs: intIn(0, 600_000, 'expected an integer 0-600000 (milliseconds)').optional(),
  },
  'expected a mapping with retry, breaker, healthCheck, mode, disabledTools, fallbacks, waitForRestartMs',
);

/** Keys spread into each server's schema. Tool names here are the server's own (before namespace and rename). */
export const serverResilienceShape = {
  required: bool.optional(),
  toolTimeouts: z.record(z.string(), ms, { error: 'expected a mapping of tool name to milliseconds' }).optional(),
  maxTimeoutMs: ms.optional(),
  retry: offOr(strict({ retries: intIn(0, 10, 'expected an integer 0-10').optional(), tools: globs.optional() }, 'expected a mapping with retries, tools')).optional(),
  breaker: offOr(breaker).optional(),
  healthCheck: offOr(healthCheck).optional(),
  restartBackoff: restartBackoff.optional(),
  mode: mode.optional(),
  disabledTools: globs.optional(),
};

export type ResilienceConfig = z.infer<typeof resilienceSchema>;
export type ServerResilience = { [K in keyof typeof serverResilienceShape]?: z.infer<(typeof serverResilienceShape)[K]> };

/** The per-server keys as given (absent stays absent). */
export function serverResilience(raw: ServerResilience): ServerResilience {
  return Object.fromEntries(Object.keys(serverResilienceShape).flatMap((k) => (raw[k as keyof ServerResilience] === undefined ? [] : [[k, raw[k as keyof ServerResilience]]])));
}
