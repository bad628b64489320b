// The gateway file's `hiddenText:` section: text hidden from people in answers (tool results, resource contents,
// prompt messages) and in the sampling and elicitation requests upstreams send (src/middleware/hidden-text.ts).
// Absent: Unicode tag characters are taken out. Hidden text in definitions is `servers.<name>.tools.hiddenText`.
// Registered in schema.ts/validate.ts.
import { z } from 'zod';
import type { HiddenTextOptions } from '../../middleware/hidden-text.js';
import { strict } from './hints.js';
import { itemPatterns } from './item-pattern.js';

export type HiddenTextConfig = Required<HiddenTextOptions>;

export const HIDDEN_TEXT_DEFAULTS: HiddenTextConfig = { results: 'tags', except: [] };

const shape = {
  results: z.enum(['tags', 'all', 'warn', 'off'], { error: 'expected tags, all, warn or off' }).optional(),
  except: itemPatterns('server:files').optional(),
};

export const hiddenTextSchema = z.preprocess((v) => (v === null ? {} : v), strict(shape, 'expected a mapping with results and except (or {} for the defaults)'));

export function buildHiddenText(raw: z.infer<typeof hiddenTextSchema>): HiddenTextConfig {
  return { results: raw.results ?? HIDDEN_TEXT_DEFAULTS.results, except: raw.except ?? [] };
}
