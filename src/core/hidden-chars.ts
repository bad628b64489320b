// Characters a person reading text does not see but a model reads: the Unicode tag block (ASCII smuggling: each tag
// character mirrors an ASCII one, so a whole instruction can ride invisibly), bidirectional overrides and isolates
// (text shown in another order than it is read), zero-width spaces and other invisible format characters. Emoji
// flag sequences (tag characters after U+1F3F4) and the zero-width joiners scripts and emoji need are left alone.
// Definitions (src/gateway/hidden-text.ts) and answers (src/middleware/hidden-text.ts) are checked with these.

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

const ANY_TAG = /[\u{E0000}-\u{E007F}]/u;

/**
 * The hidden characters in `text`, or undefined when it has none (the usual case: one regular-expression test).
 * `tagsOnly`: the Unicode tag characters alone (ASCII smuggling), the rest left as written.
 */
export function hiddenIn(text: string, tagsOnly = false): Hidden | undefined {
  if (!(tagsOnly ? ANY_TAG : INVISIBLE).test(text)) return undefined;
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
  if (tagsOnly) return count === 0 ? undefined : { text: withoutTags, count, spelled };
  const out = [...withoutTags].filter((c) => {
    const hidden = INVISIBLE.test(c) && !(c.codePointAt(0)! >= 0xe0000);
    if (hidden) count++;
    return !hidden;
  });
  return count === 0 ? undefined : { text: out.join(''), count, spelled };
}
