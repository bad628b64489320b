// `${VAR}` / `${VAR:-default}` substitution in every string value of the parsed tree (never in keys);
// `$${` is a literal `${`. Done after parsing so substituted values can never break YAML/JSON syntax.
import type { Issue, PathSegment } from './errors.js';

export interface Interpolated {
  tree: unknown;
  issues: Issue[];
  /** Paths whose strings could not be substituted; later checks skip them to avoid follow-on noise. */
  failed: Set<string>;
}

const REFERENCE = /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s;

function substitute(text: string, env: NodeJS.ProcessEnv, problems: string[]): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const at = text.indexOf('$', i);
    if (at < 0) break;
    out += text.slice(i, at);
    if (text.startsWith('$${', at)) {
      out += '${';
      i = at + 3;
      continue;
    }
    if (text[at + 1] !== '{') {
      out += '$';
      i = at + 1;
      continue;
    }
    const end = text.indexOf('}', at + 2);
    if (end < 0) {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the message quotes the syntax literally
      problems.push('unterminated ${ (close it with }, or write $${ for a literal ${)');
      return text;
    }
    const m = REFERENCE.exec(text.slice(at + 2, end));
    if (!m) {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the message quotes the syntax literally
      problems.push('malformed ${…}: expected ${NAME} or ${NAME:-default} (write $${ for a literal ${)');
    } else if (m[2]?.includes('${')) {
      problems.push(`the default of \${${m[1]}} may not contain another \${…} (defaults are literal text)`);
    } else {
      const name = m[1]!;
      const value = env[name];
      // Like the shell's `:-`, an empty variable also takes the default.
      if (m[2] !== undefined && (value === undefined || value === '')) out += m[2];
      else if (value !== undefined) out += value;
      else problems.push(`environment variable ${name} is not set (export it, or write \${${name}:-default})`);
    }
    i = end + 1;
  }
  return out + text.slice(i);
}

export function interpolate(root: unknown, env: NodeJS.ProcessEnv): Interpolated {
  const issues: Issue[] = [];
  const failed = new Set<string>();
  const walk = (node: unknown, path: PathSegment[]): unknown => {
    if (typeof node === 'string') {
      if (!node.includes('$')) return node;
      const problems: string[] = [];
      const value = substitute(node, env, problems);
      if (problems.length === 0) return value;
      for (const message of problems) issues.push({ path, message });
      failed.add(JSON.stringify(path));
      return node;
    }
    if (Array.isArray(node)) return node.map((v, i) => walk(v, [...path, i]));
    if (node !== null && typeof node === 'object') {
      const entries: [string, unknown][] = [];
      for (const [k, v] of Object.entries(node)) {
        // Parsers and zod treat this key inconsistently (some drop it silently), so refuse it outright.
        if (k === '__proto__') issues.push({ path: [...path, k], message: 'reserved key name (rename it)' });
        else entries.push([k, walk(v, [...path, k])]);
      }
      return Object.fromEntries(entries);
    }
    return node;
  };
  return { tree: walk(root, []), issues, failed };
}
