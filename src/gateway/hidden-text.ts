// Text in a tool's, prompt's or resource's definition that a person reviewing it does not see but a model reads: the
// Unicode tag block (ASCII smuggling: each tag character mirrors an ASCII one, so a whole instruction can ride
// invisibly in a description), bidirectional overrides and isolates (text shown in another order than it is read),
// zero-width spaces and other invisible format characters. Descriptions and titles are text: those characters are
// taken out. Anywhere else (argument names, enum values, defaults, URIs) they are part of the contract, which the
// gateway cannot rewrite: such a definition is withheld. Emoji flag sequences (tag characters after U+1F3F4) and the
// zero-width joiners scripts and emoji need are left alone.

/** What `servers.<name>.tools.hiddenText` says to do: take hidden text out of descriptions (default), withhold, or allow. */
export type HiddenTextPolicy = 'strip' | 'withhold' | 'allow';

const TAG = /[\u{E0000}-\u{E007F}]+/gu;
const INVISIBLE = /[\u202A-\u202E\u2066-\u2069\u200B\u2060-\u2064\uFEFF\u180E\u00AD\u061C\u115F\u1160\u17B4\u17B5\u3164\uFFA0\u{E0000}-\u{E007F}]|\u034F/u;
const BLACK_FLAG = 0x1f3f4;
const CANCEL_TAG = 0xe007f;

/** A run of tag characters that makes an emoji flag (🏴 then up to six tag letters or digits and the cancel tag). */
function isFlag(text: string, run: string, at: number): boolean {
  const chars = [...run];
  return text.codePointAt(at - 2) === BLACK_FLAG && chars.length <= 7 && chars.at(-1)!.codePointAt(0) === CANCEL_TAG && chars.slice(0, -1).every((c) => /[\u{E0030}-\u{E0039}\u{E0061}-\u{E007A}]/u.test(c));
}

export interface Hidden {
  /** The text without them. */
  text: string;
  /** How many characters were hidden. */
  count: number;
  /** What tag characters spelled (their ASCII twins), for the log: the smuggled instruction itself. */
  spelled: string;
}

/** The hidden characters in `text`, or undefined when it has none (the usual case: one regular-expression test). */
export function hiddenIn(text: string): Hidden | undefined {
  if (!INVISIBLE.test(text)) return undefined;
  let count = 0;
  let spelled = '';
  const withoutTags = text.replace(TAG, (run: string, at: number) => {
    if (isFlag(text, run, at)) return run;
    for (const c of run) {
      count++;
      const ascii = c.codePointAt(0)! - 0xe0000;
      if (ascii >= 0x20 && ascii < 0x7f) spelled += String.fromCharCode(ascii);
    }
    return '';
  });
  const out = [...withoutTags].filter((c) => {
    const hidden = INVISIBLE.test(c) && !(c.codePointAt(0)! >= 0xe0000);
    if (hidden) count++;
    return !hidden;
  });
  return count === 0 ? undefined : { text: out.join(''), count, spelled };
}

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
