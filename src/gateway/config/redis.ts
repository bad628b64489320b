// A Redis connection in the gateway file, as sections that share state between replicas take it: a redis:// URL,
// or a mapping with url and keyPrefix (cluster:, oauth:).
import { z } from 'zod';

export const redisUrlSchema = z.string({ error: 'expected a redis:// URL' }).regex(/^rediss?:\/\//, { error: 'expected a redis:// or rediss:// URL (e.g. redis://127.0.0.1:6379)' });

export const redisConnectionSchema = z.preprocess(
  (v) => (typeof v === 'string' ? { url: v } : v),
  z.strictObject(
    { url: redisUrlSchema, keyPrefix: z.string({ error: 'expected a key prefix (a string)' }).optional() },
    { error: 'expected a redis:// URL, or a mapping with url and keyPrefix' },
  ),
);
