// The gateway file's `secretScan:` section: tool arguments and results scanned for secrets (API keys, tokens,
// private keys, credentials in URLs) with secretlint's recommended rules (src/middleware/secret-scan.ts).
// Registered in schema.ts/validate.ts.
import { z } from 'zod';
import type { SecretScanOptions } from '../../middleware/secret-scan.js';
import { strict } from './hints.js';
import { itemPatterns } from './item-pattern.js';

export type SecretScanConfig = Required<SecretScanOptions>;

const shape = {
  arguments: z.enum(['off', 'warn', 'block'], { error: 'expected off, warn or block' }).optional(),
  results: z.enum(['off', 'warn', 'redact', 'block'], { error: 'expected off, warn, redact or block' }).optional(),
  allow: z.preprocess(
    (v) => (typeof v === 'string' ? [v] : v),
    z.array(z.string().min(1, { error: "expected a finding's id (e.g. BasicAuth) or a rule's" }), { error: "expected a list of finding or rule ids (e.g. [BasicAuth])" }),
  ).optional(),
  except: itemPatterns('server:vault').optional(),
};

export const secretScanSchema = z.preprocess((v) => (v === null || v === true ? {} : v), strict(shape, 'expected a mapping with arguments, results and allow (or {} for the defaults)'));

export function buildSecretScan(raw: z.infer<typeof secretScanSchema>): SecretScanConfig {
  return { arguments: raw.arguments ?? 'block', results: raw.results ?? 'redact', allow: raw.allow ?? [], except: raw.except ?? [] };
}
