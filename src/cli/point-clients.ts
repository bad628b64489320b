// `mcplex import --replace`: each client file servers were imported from, pointed at the gateway instead. Those
// servers are taken out and one `mcplex` entry put in; everything else in the file (other settings, comments,
// formatting) stays as it was, and the file as it was is kept beside it. The new text is written beside the file and
// moved into place (a client reading it never sees it half-written), with the file's permissions, and a symlinked file
// (dotfiles kept in a repository) is edited where the link points, the link kept.
import { copyFileSync, existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { applyEdits, type FormattingOptions, modify } from 'jsonc-parser';
import { parse as parseToml, stringify as stringifyToml } from 'smol-toml';
import { isMap, isSeq, parseDocument } from 'yaml';
import { atomicWrite } from '../core/index.js';
import type { Place } from './client-configs.js';
import { isTomlFile, isYamlFile, readClientFile } from './client-files.js';
import { ExitError } from './exit-error.js';
import { pathOf } from './import-servers.js';

export interface Pointed {
  place: Place;
  backup: string;
  removed: string[];
}

/** The file's own indentation and line ends, for what is written into it. */
function formattingOf(text: string): FormattingOptions {
  const indent = /^([ \t]+)\S/m.exec(text)?.[1] ?? '  ';
  const tabs = indent.startsWith('\t');
  return { insertSpaces: !tabs, tabSize: tabs ? 1 : indent.length, eol: text.includes('\r\n') ? '\r\n' : '\n' };
}

/** `<file>.mcplex-backup`, or the next free `-2`, `-3`… (an earlier backup is never overwritten). */
function backupOf(path: string): string {
  let backup = `${path}.mcplex-backup`;
  for (let n = 2; existsSync(backup); n++) backup = `${path}.mcplex-backup-${n}`;
  return backup;
}

/** A JSON (JSONC) file: each entry's place edited, the rest of the text as it was. */
function pointJson(text: string, place: Place, originals: string[], entry: Record<string, unknown>): string {
  const read = readClientFile(place.path, text);
  const formattingOptions = formattingOf(text);
  const edit = (out: string, path: string[], value: unknown) => applyEdits(out, modify(out, path, value, { formattingOptions }));
  const out = originals.reduce((out, name) => edit(out, pathOf(read, place.client, place.project, name), undefined), text);
  return edit(out, pathOf(read, place.client, place.project, 'mcplex'), entry);
}

/** A YAML file (Continue's list of named entries, or a map): the entries taken out, the gateway's put in, comments kept. */
function pointYaml(text: string, key: string, originals: string[], entry: Record<string, unknown>): string {
  const doc = parseDocument(text);
  const servers = doc.get(key, true);
  if (isSeq(servers)) {
    servers.items = servers.items.filter((item) => !(isMap(item) && originals.includes(String(item.get('name')))));
    servers.add(doc.createNode(entry));
  } else if (isMap(servers)) {
    for (const name of originals) servers.delete(name);
    servers.set('mcplex', doc.createNode(entry));
  } else doc.set(key, doc.createNode([entry]));
  return doc.toString();
}

/** A TOML table header's keys: `[mcp_servers."my server".env]` → mcp_servers, my server, env (undefined: not a header). */
function headerKeys(line: string): string[] | undefined {
  const inner = /^\s*\[\[?([^\]]*)\]\]?\s*(?:#.*)?$/.exec(line)?.[1];
  if (inner === undefined) return undefined;
  return [...inner.matchAll(/\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*(?:\.|$)/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? '');
}

/**
 * A TOML file (Codex's): each `[<key>.<name>]` table of the imported servers taken out, with its sub-tables, and
 * `[<key>.mcplex]` added at the end; the rest of the text as it was. Checked by reading it back: a server written
 * otherwise (an inline table) is refused, naming what to do by hand.
 */
function pointToml(path: string, text: string, key: string, originals: string[], entry: Record<string, unknown>): string {
  const gone = new Set(originals);
  const lines = text.split(/(?<=\n)/);
  let dropping = false;
  const keep = lines.map((line) => {
    const keys = headerKeys(line);
    if (keys) dropping = keys[0] === key && gone.has(keys[1] ?? '');
    return !dropping;
  });
  // The comment lines just above a kept table are its own, though they follow a table taken out.
  lines.forEach((line, i) => {
    if (!keep[i] || !headerKeys(line)) return;
    for (let j = i - 1; j >= 0 && !keep[j] && /^\s*#/.test(lines[j]!); j--) keep[j] = true;
  });
  const body = lines.filter((_, i) => keep[i]).join('').replace(/\s*$/, '\n');
  const out = `${body}\n[${key}.mcplex]\n${stringifyToml(entry)}\n`;
  let servers: Record<string, unknown> | undefined;
  try {
    servers = (parseToml(out) as Record<string, Record<string, unknown>>)[key];
  } catch {
    // An inline table of servers cannot take a [<key>.mcplex] table beside it.
  }
  // (Its tables have no prototype: compared as JSON.)
  if (!servers || originals.some((name) => name in servers) || JSON.stringify(servers.mcplex) !== JSON.stringify(entry)) {
    throw new ExitError(`${path}: its servers are not all tables [${key}.<name>], so it is left as it was; take ${originals.join(', ')} out by hand and add [${key}.mcplex] with ${JSON.stringify(entry)}`, 1);
  }
  return out;
}

/** Takes the servers named `originals` out of the client's file and puts `entry` in as `mcplex`. */
export async function pointClient(place: Place, originals: string[], entry: Record<string, unknown>): Promise<Pointed> {
  const file = realpathSync(place.path);
  const text = readFileSync(file, 'utf8');
  const out = isTomlFile(place.path)
    ? pointToml(place.path, text, place.client.key, originals, entry)
    : isYamlFile(place.path)
      ? pointYaml(text, place.client.key, originals, entry)
      : pointJson(text, place, originals, entry);
  const backup = backupOf(place.path);
  copyFileSync(file, backup);
  await atomicWrite(file, out, { mode: statSync(file).mode & 0o7777 });
  return { place, backup, removed: originals };
}
