// Credentials written into a gateway file as text (a token in a server's env or headers, a password in a URL or a
// flag's value) rather than named as `${VAR}` or kept in a server's envFile: a file that is committed, shared or
// pasted into a ticket gives them away. Found by secretlint's rules (the secret scan's), by the name a value sits
// under (GITHUB_TOKEN, Authorization, clientSecret, `--api-key <value>`) and a URL's password; told by place, never by value.
import { readFile } from 'node:fs/promises';
import { isSecretName, REDACTED, redactArgv } from '../../core/redact.js';
import { secretsIn } from '../../middleware/secret-scan.js';
import { formatOf } from './load.js';
import { parseText } from './syntax.js';

export interface WrittenSecret {
  /** Where it sits, as dotted keys (`servers.github.env.GITHUB_TOKEN`, `servers.x.args.3`). */
  path: string;
  /** The same, key by key (a key may hold a dot). */
  keys: string[];
  /** What gave it away: the rule's finding (`GITHUB_TOKEN`, `BasicAuth`), or what else: its name, its flag, a URL's password. */
  kind: string;
}

/** A `${VAR}` reference (`$${` is a literal): a value holding one is named, not written. */
const REFERENCE = /(?<!\$)\$\{/;

/** The defaults of a value's `${VAR:-default}` references. */
const DEFAULTS = /(?<!\$)\$\{[A-Za-z_]\w*:-([^}]*)\}/g;

/** What of a value is written as text: all of it; or, when it names variables, their defaults (`${VAR:-default}`). */
function writtenText(v: string): string {
  return REFERENCE.test(v) ? [...v.matchAll(DEFAULTS)].map((m) => m[1]).join('') : v;
}

/** A URL with a password in it (`rediss://:password@host`, `postgres://user:password@host/db`). */
function passwordIn(text: string): boolean {
  if (!/^[a-z][\w+.-]*:\/\/[^/]*@/i.test(text)) return false;
  try {
    return new URL(text).password !== '';
  } catch {
    return false;
  }
}

/** Found so far, by path: its keys and kind (a key may hold a dot; the path names it for people). */
type Found = Map<string, { keys: string[]; kind: string }>;
const note = (found: Found, keys: string[], kind: string) => found.set(keys.join('.'), { keys, kind });

/** The kind, saying so when what is written is a variable's default. */
const of = (v: string, kind: string) => (REFERENCE.test(v) ? `${kind}, as a \${…:-default}` : kind);

/** String values under a credential's name, and flags' values a credential's flag names (the values as written). */
function byName(value: unknown, keys: string[], found: Found): void {
  if (Array.isArray(value)) {
    const strings = value.every((v) => typeof v === 'string');
    const shown = strings ? redactArgv(value) : [];
    value.forEach((v, i) => {
      if (shown[i] === REDACTED && writtenText(v) !== '') note(found, [...keys, String(i)], of(v, "a credential flag's value"));
      else byName(v, [...keys, String(i)], found);
    });
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const [key, v] of Object.entries(value)) {
    const written = typeof v === 'string' ? writtenText(v) : '';
    const why = written !== '' ? (isSecretName(key) ? 'named as a credential' : passwordIn(written) && 'a password in the URL') : undefined;
    if (why) note(found, [...keys, key], of(v as string, why));
    else byName(v, [...keys, key], found);
  }
}

/** The credentials written in a config file's text (before `${VAR}` is filled in). */
export async function writtenSecrets(text: string, format: 'yaml' | 'json'): Promise<WrittenSecret[]> {
  const parsed = parseText(text, format);
  if (!parsed.ok) return [];
  const found: Found = new Map();
  byName(parsed.tree, [], found);
  for (const s of await secretsIn(parsed.tree)) note(found, s.keys, s.kind);
  return [...found].map(([path, { keys, kind }]) => ({ path, keys, kind }));
}

/** The credentials written in the config file at `path` (its format by its name, as loadConfig reads it). */
export async function writtenSecretsIn(path: string): Promise<WrittenSecret[]> {
  return writtenSecrets(await readFile(path, 'utf8'), formatOf(path));
}

/** The warning for credentials written in a gateway file, one line each, and what to do instead. */
export function writtenSecretsWarning(found: WrittenSecret[]): string[] {
  if (found.length === 0) return [];
  return [
    `warning: ${found.length === 1 ? 'a credential is' : `${found.length} credentials are`} written in the file (anyone who reads it has ${found.length === 1 ? 'it' : 'them'}):`,
    ...found.map((s) => `  ${s.path} (${s.kind})`),
    `  name each as \${VAR} and set it in the gateway's environment or a --secrets file, or move a stdio server's env to its envFile`,
  ];
}
