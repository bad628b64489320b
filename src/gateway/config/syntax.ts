// Turns file text into a plain tree, or into syntax-error lines that carry file:line:column.
// Parser messages are rewritten because they quote source text, which may hold secrets.
import YAML from 'yaml';
import { locateJsonError } from './json-syntax.js';

export type SyntaxResult = { ok: true; tree: unknown } | { ok: false; issues: string[] };

function where(source: string | undefined, line: number, col: number): string {
  return source ? `${source}:${line}:${col}` : `line ${line}, column ${col}`;
}

function lineCol(text: string, offset: number): [number, number] {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return [line, offset - start + 1];
}

function yamlReason(err: YAML.YAMLError): string {
  if (err.code === 'MULTIPLE_DOCS') return "only one YAML document is allowed (remove the extra '---')";
  // The first line is the reason; the rest is a source excerpt we must not echo.
  const first = err.message.split('\n', 1)[0] ?? err.message;
  return first.replace(/ at line \d+, column \d+:?$/, '');
}

export function parseYaml(text: string, source?: string): SyntaxResult {
  // Merge keys (`<<: *defaults`) let users share settings between servers.
  const doc = YAML.parseDocument(text, { merge: true, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const issues = doc.errors.map((e) => {
      const pos = e.linePos?.[0];
      return `${pos ? where(source, pos.line, pos.col) : (source ?? 'input')}: YAML syntax error: ${yamlReason(e)}`;
    });
    return { ok: false, issues: [...new Set(issues)] };
  }
  try {
    return { ok: true, tree: doc.toJS({ maxAliasCount: 100 }) };
  } catch (err) {
    // Only alias bombs get here; the library's message names no values.
    return { ok: false, issues: [`${source ?? 'input'}: YAML error: ${(err as Error).message}`] };
  }
}

export function parseJson(text: string, source?: string): SyntaxResult {
  const problem = locateJsonError(text);
  if (problem) {
    const [line, col] = lineCol(text, problem.offset);
    return { ok: false, issues: [`${where(source, line, col)}: JSON syntax error: ${problem.reason}`] };
  }
  return { ok: true, tree: JSON.parse(text) };
}

export function parseText(text: string, format: 'yaml' | 'json', source?: string): SyntaxResult {
  // Editors on Windows like to prepend a BOM, which JSON.parse rejects.
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return format === 'json' ? parseJson(body, source) : parseYaml(body, source);
}
