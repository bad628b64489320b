// Text in a tool's, prompt's or resource's definition that a person reviewing it does not see but a model reads
// (src/core/hidden-chars.ts). Descriptions and titles are text: those characters are taken out. Anywhere else
// (argument names, enum values, defaults, URIs) they are part of the contract, which the gateway cannot rewrite: such
// a definition is withheld.
import { hiddenIn } from '../core/hidden-chars.js';

/** What `servers.<name>.tools.hiddenText` says to do: take hidden text out of descriptions (default), withhold, or allow. */
export type HiddenTextPolicy = 'strip' | 'withhold' | 'allow';

export interface Scanned<T> {
  definition: T;
  /** Hidden characters taken out of descriptions and titles. */
  stripped: number;
  /** Where hidden characters sit that are not text to take out (a property name, an enum value): JSON-pointer-like paths. */
  inContract: string[];
  spelled: string;
}

const TEXT_KEYS = new Set(['title', 'description']);

/**
 * `definition` with hidden characters taken out of every `title` and `description` string (at any depth of its
 * schemas), and the places where they sit elsewhere. The same object when it has none.
 */
export function scanDefinition<T>(definition: T): Scanned<T> {
  const found: Scanned<T> = { definition, stripped: 0, inContract: [], spelled: '' };
  const walk = (value: unknown, path: string, textual: boolean): unknown => {
    if (typeof value === 'string') {
      const hidden = hiddenIn(value);
      if (!hidden) return value;
      found.spelled += hidden.spelled;
      if (!textual) {
        found.inContract.push(path || '/');
        return value;
      }
      found.stripped += hidden.count;
      return hidden.text;
    }
    if (Array.isArray(value)) {
      let changed = false;
      const out = value.map((v, i) => {
        const w = walk(v, `${path}/${i}`, false);
        changed ||= w !== v;
        return w;
      });
      return changed ? out : value;
    }
    if (typeof value === 'object' && value !== null) {
      let changed = false;
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        const inKey = hiddenIn(k);
        if (inKey) found.inContract.push(`${path}/${inKey.text}`);
        const w = walk(v, `${path}/${k}`, TEXT_KEYS.has(k));
        changed ||= w !== v;
        out[k] = w;
      }
      return changed ? out : value;
    }
    return value;
  };
  found.definition = walk(definition, '', false) as T;
  return found;
}
