// A client's config file as its client reads it: JSON with comments and trailing commas (VS Code's and Gemini CLI's
// files are JSONC; the others plain JSON, which JSONC reads the same), YAML (Continue's `.yaml` files) or TOML (Codex's).
import { type ParseError, parse, printParseErrorCode } from 'jsonc-parser';
import { parse as parseToml, TomlError } from 'smol-toml';
import { parseDocument } from 'yaml';
import { ExitError } from './exit-error.js';

/** A YAML file, by its name. */
export const isYamlFile = (path: string) => /\.ya?ml$/i.test(path);
/** A TOML file, by its name. */
export const isTomlFile = (path: string) => /\.toml$/i.test(path);

export function readClientFile(path: string, text: string): unknown {
  if (isTomlFile(path)) {
    try {
      return parseToml(text);
    } catch (err) {
      const at = err instanceof TomlError ? `${err.line}:${err.column}` : '1:1';
      throw new ExitError(`${path}:${at}: not readable as TOML (${(err as Error).message.split('\n')[0]})`, 2);
    }
  }
  if (isYamlFile(path)) {
    const doc = parseDocument(text);
    const first = doc.errors[0];
    if (first) throw new ExitError(`${path}:${first.linePos?.[0].line ?? 1}:${first.linePos?.[0].col ?? 1}: not readable as YAML (${first.code})`, 2);
    return doc.toJS();
  }
  const errors: ParseError[] = [];
  const value = parse(text, errors, { allowTrailingComma: true, disallowComments: false });
  const first = errors[0];
  if (first) {
    const before = text.slice(0, first.offset).split('\n');
    throw new ExitError(`${path}:${before.length}:${before.at(-1)!.length + 1}: not readable as JSON (${printParseErrorCode(first.error)})`, 2);
  }
  return value;
}
