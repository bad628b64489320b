// What an audit record keeps of a request's arguments: a sha256 digest of their canonical JSON (default), or
// the arguments themselves with credentials and configured paths redacted.
import { canonicalJson } from '../core/canonical-json.js';
import { sha256 } from '../core/sha256.js';
import { isSecretName, REDACTED, redactText } from '../core/redact.js';

export type AuditArgsMode = 'digest' | 'redacted';

/** The arguments of a request: `arguments` for tools and prompts; for relayed server→client requests, their params. */
export function argsOf(params: unknown, whole = false): unknown {
  if (params === null || typeof params !== 'object') return undefined;
  const p = params as Record<string, unknown>;
  if ('arguments' in p) return p.arguments;
  if (!whole) return undefined;
  const { _meta, ...rest } = p;
  return Object.keys(rest).length > 0 ? rest : undefined;
}

/** Hex sha256 of the canonical JSON. Synchronous node:crypto (no I/O): Web Crypto's async digest cost 8x more per call. */
export function digestOf(args: unknown): string {
  return sha256(canonicalJson(args));
}

/**
 * Compiles dotted paths (`password`, `card.number`, `items.*.ssn`; `*` matches any one key or index) into a
 * redactor that also replaces credential-named fields and scrubs credentials out of strings.
 */
export function redactor(paths: readonly string[] = []): (args: unknown) => unknown {
  const patterns = paths.map((p) => p.split('.'));
  const matches = (at: string[]) => patterns.some((p) => p.length === at.length && p.every((seg, i) => seg === '*' || seg === at[i]));
  const walk = (value: unknown, at: string[]): unknown => {
    if (at.length > 0 && (matches(at) || isSecretName(at.at(-1)!))) return REDACTED;
    if (typeof value === 'string') return redactText(value);
    if (Array.isArray(value)) return value.map((v, i) => walk(v, [...at, String(i)]));
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, walk(v, [...at, k])]));
    }
    return value;
  };
  return (args) => walk(args, []);
}
