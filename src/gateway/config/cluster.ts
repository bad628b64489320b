// The gateway file's `cluster:` section: replicas that share 2025-era sessions through Redis (a load balancer in
// front of them need not be sticky; src/server/http/session-forwarding.ts). Registered in schema.ts/validate.ts.
import { z } from 'zod';
import { unknownKeyMessage } from './hints.js';
import { redisConnectionSchema } from './redis.js';

export interface ClusterConfig {
  /** The session directory the replicas share. */
  redis: { url: string; keyPrefix: string };
  /** How the other replicas reach this one (its listener's origin); default: the listener's own address. */
  advertise?: string;
}

const shape = {
  redis: redisConnectionSchema,
  advertise: z
    .string({ error: 'expected the URL other replicas reach this one at, e.g. http://10.0.0.5:7333' })
    .regex(/^https?:\/\/[^/]+\/?$/, { error: 'expected an http(s) origin other replicas reach this one at, e.g. http://10.0.0.5:7333 (no path)' })
    .optional(),
};

export const clusterSchema = z.strictObject(shape, {
  error: (iss) =>
    iss.code === 'unrecognized_keys' ? iss.keys.map((k) => unknownKeyMessage(k, Object.keys(shape))).join('\n') : 'expected a mapping with redis (the shared session directory) and advertise',
});

export function buildCluster(raw: z.infer<typeof clusterSchema>): ClusterConfig {
  return {
    redis: { url: raw.redis.url, keyPrefix: raw.redis.keyPrefix ?? 'mcplex:session:' },
    ...(raw.advertise && { advertise: raw.advertise.replace(/\/$/, '') }),
  };
}
