// Finds the first JSON syntax error and says what is wrong in our own words: V8's messages quote
// the source (secrets included) and, on Node 20, often give no position at all.

export interface JsonProblem {
  offset: number;
  reason: string;
}

class Stop extends Error {
  constructor(readonly problem: JsonProblem) {
    super(problem.reason);
  }
}

function describe(ch: string | undefined): string {
  if (ch === undefined) return 'end of file';
  return /^[\x21-\x7e]$/.test(ch) ? `'${ch}'` : `character U+${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPE = /^["\\/bfnrt]$/;

/** undefined when `text` is valid JSON; also reports duplicate keys, which JSON.parse silently drops. */
export function locateJsonError(text: string): JsonProblem | undefined {
  let i = 0;
  const fail = (reason: string, at = i): never => {
    throw new Stop({ offset: at, reason });
  };
  const space = () => {
    while (i < text.length) {
      const c = text[i];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') i++;
      else if (c === '/' && (text[i + 1] === '/' || text[i + 1] === '*')) fail('comments are not allowed in JSON (use a .yaml file to keep comments)');
      else break;
    }
  };
  const string = (): string => {
    const start = i++;
    while (i < text.length) {
      const c = text[i]!;
      if (c === '"') return text.slice(start + 1, i++);
      if (c === '\\') {
        const e = text[i + 1];
        if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6;
        else if (e !== undefined && ESCAPE.test(e)) i += 2;
        else fail('invalid escape sequence in a string');
      } else if (c < ' ') fail(c === '\n' ? 'line break inside a string (close the quote, or write \\n)' : 'control character inside a string');
      else i++;
    }
    return fail('unterminated string (a closing " is missing)', start);
  };
  const value = (): void => {
    space();
    const c = text[i];
    if (c === '{' || c === '[') {
      if (c === '{') object();
      else array();
      return;
    }
    if (c === '"') return void string();
    if (c === "'") fail('strings must use double quotes in JSON');
    NUMBER.lastIndex = i;
    if (c !== undefined && /[-0-9]/.test(c) && NUMBER.exec(text)) {
      i = NUMBER.lastIndex;
      return;
    }
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return;
      }
    }
    if (c === undefined) fail("unexpected end of file (a closing '}' or ']' may be missing)");
    fail(`unexpected ${describe(c)} where a value was expected`);
  };
  const object = (): void => {
    i++;
    const seen = new Set<string>();
    space();
    if (text[i] === '}') return void i++;
    for (let comma = -1; ; comma = i++) {
      space();
      if (text[i] === '}') fail("trailing comma before '}' (remove it)", comma);
      if (text[i] === "'") fail('keys must use double quotes in JSON');
      if (text[i] !== '"') fail(`expected a "double-quoted" key, found ${describe(text[i])}`);
      const at = i;
      const key = string();
      if (seen.has(key)) fail(`duplicate key ${JSON.stringify(key)}`, at);
      seen.add(key);
      space();
      if (text[i] !== ':') fail(`expected ':' after the key, found ${describe(text[i])}`);
      i++;
      value();
      space();
      if (text[i] === '}') return void i++;
      if (text[i] !== ',') fail(`expected ',' or '}' after a value, found ${describe(text[i])}${text[i] === '"' ? ' (is a comma missing?)' : ''}`);
    }
  };
  const array = (): void => {
    i++;
    space();
    if (text[i] === ']') return void i++;
    for (let comma = -1; ; comma = i++) {
      space();
      if (text[i] === ']') fail("trailing comma before ']' (remove it)", comma);
      value();
      space();
      if (text[i] === ']') return void i++;
      if (text[i] !== ',') fail(`expected ',' or ']' after a value, found ${describe(text[i])}`);
    }
  };
  try {
    if (text.trim() === '') fail('the file is empty (expected a JSON object)');
    value();
    space();
    if (i < text.length) fail(`unexpected ${describe(text[i])} after the end of the document`);
    return undefined;
  } catch (e) {
    if (e instanceof Stop) return e.problem;
    throw e;
  }
}
