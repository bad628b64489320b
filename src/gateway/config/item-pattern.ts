// An item pattern in the gateway file (`tool:github__*`, `resource:file:///docs/**`, `prompt:*`, `server:github`, `*`),
// as access rules, endpoint views and the secret scan's exceptions write them (src/middleware/policy-target.ts).
import { z } from 'zod';
import { patternProblem } from '../../middleware/policy-target.js';

/** The schema of one pattern; `example` is what its error messages suggest. */
export function itemPattern(example: string) {
  return z
    .string({ error: `expected an item pattern such as '${example}' (tool:, resource:, prompt: or server: and a glob, or '*')` })
    .superRefine((v, ctx) => {
      const problem = patternProblem(v);
      if (problem) ctx.addIssue({ code: 'custom', message: `${problem}; e.g. '${example}'` });
    });
}

/** One pattern or a list of them, read as a list. */
export const itemPatterns = (example: string) =>
  z.preprocess((v) => (typeof v === 'string' ? [v] : v), z.array(itemPattern(example), { error: `expected a list of patterns (e.g. ['${example}'])` }));
