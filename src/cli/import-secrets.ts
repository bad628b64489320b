// `mcplex import --secrets-to <file>`: the credentials the clients had written as text (a token in `env`, an
// Authorization header, a value after `--api-key`, a password in a URL) moved out of the gateway file into a file of
// NAME=value lines, each replaced by `${NAME}`, so the gateway file can be committed and shared; `mcplex serve
// --secrets <file>` reads them back.
import { writeFileSync } from 'node:fs';
import type { WrittenSecret } from '../gateway/config/index.js';
import type { Imported } from './import-servers.js';

/** A variable's name made of words: upper case, anything else an underscore. */
const variable = (...words: string[]) => words.join('_').toUpperCase().replace(/[^A-Z0-9_]+/g, '_').replace(/^(\d)/, '_$1');

/** What to call the secret at `keys` (below `servers.<server>`): an env variable keeps its name; else its server and place. */
function nameFor(server: string, keys: string[], entry: Record<string, unknown>): string {
  const [field, key] = keys;
  if (field === 'env' && key !== undefined) return variable(key);
  if (field === 'headers' && key !== undefined) return variable(server, key);
  if (field === 'args' && key !== undefined) {
    const flag = /^--?([\w-]+)$/.exec(String((entry.args as unknown[])[Number(key) - 1] ?? ''))?.[1];
    return variable(server, flag ?? `arg_${key}`);
  }
  return variable(server, ...keys);
}

/** The value as the credential is (the gateway file's `$${` is a literal `${`). */
const unescaped = (text: string) => text.replaceAll('$${', '${');

/** A dotenv line Node's parseEnv reads back as `value`: single quotes keep it as it is, else double (with \n) or backticks. */
export function envLine(name: string, value: string): string {
  if (!value.includes("'") && !value.includes('\n')) return `${name}='${value}'`;
  if (!value.includes('"')) return `${name}="${value.replaceAll('\n', '\\n')}"`;
  return `${name}=\`${value}\``;
}

/**
 * Replaces each secret in `imported.servers` by `${NAME}` (the same value twice: one name; two values one name would
 * take: `NAME_2`), and answers the variables with their values, in the order found.
 */
export function moveSecrets(imported: Imported, found: WrittenSecret[]): Map<string, string> {
  const moved = new Map<string, string>();
  for (const secret of found) {
    const [root, server, ...keys] = secret.keys;
    const entry = root === 'servers' && server !== undefined ? imported.servers[server] : undefined;
    if (!entry || keys.length === 0) continue;
    let holder = entry as Record<string, unknown>;
    for (const k of keys.slice(0, -1)) holder = holder[k] as Record<string, unknown>;
    const last = keys.at(-1)!;
    const value = unescaped(String(holder[last]));
    const base = nameFor(server!, keys, entry);
    let name = base;
    for (let n = 2; moved.has(name) && moved.get(name) !== value; n++) name = `${base}_${n}`;
    moved.set(name, value);
    holder[last] = `\${${name}}`;
    imported.variables.add(name);
  }
  return moved;
}

/**
 * The gateway file's text (`render`) and the credentials still written in it; with `secretsFile`, those moved there
 * first (readable by its owner only; written only when there was something to move: then `secretsWritten` names it).
 */
export async function secretsOut(imported: Imported, render: () => string, secretsFile: string | undefined) {
  const { writtenSecrets } = await import('../gateway/config/index.js');
  const first = render();
  const found = await writtenSecrets(first, 'yaml');
  const moved = secretsFile ? moveSecrets(imported, found) : new Map<string, string>();
  if (!secretsFile || moved.size === 0) return { text: first, written: found, moved, secretsWritten: undefined };
  writeFileSync(secretsFile, [...moved].map(([name, value]) => `${envLine(name, value)}\n`).join(''), { mode: 0o600 });
  const text = render();
  return { text, written: await writtenSecrets(text, 'yaml'), moved, secretsWritten: secretsFile };
}
