// A client's config file as its client reads it: JSON with comments and trailing commas (VS Code's and Gemini CLI's
// files are JSONC; the others plain JSON, which JSONC reads the same).
import { type ParseError, parse, printParseErrorCode } from 'jsonc-parser';
import { ExitError } from './exit-error.js';

export function readClientFile(path: string, text: string): unknown {
  const errors: ParseError[] = [];
  const value = parse(text, errors, { allowTrailingComma: true, disallowComments: false });
  const first = errors[0];
  if (first) {
    const before = text.slice(0, first.offset).split('\n');
    throw new ExitError(`${path}:${before.length}:${before.at(-1)!.length + 1}: not readable as JSON (${printParseErrorCode(first.error)})`, 2);
  }
  return value;
}
