// `mcplex import --replace`: each client file servers were imported from, pointed at the gateway instead. Those
// servers are taken out and one `mcplex` entry put in; everything else in the file (other settings, comments,
// formatting) stays as it was, and the file as it was is kept beside it. The new text is written beside the file and
// moved into place (a client reading it never sees it half-written), with the file's permissions, and a symlinked file
// (dotfiles kept in a repository) is edited where the link points, the link kept.
import { copyFileSync, existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { applyEdits, type FormattingOptions, modify } from 'jsonc-parser';
import { atomicWrite } from '../core/index.js';
import type { Place } from './client-configs.js';
import { readClientFile } from './client-files.js';
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

/** Takes the servers named `originals` out of the client's file and puts `entry` in as `mcplex`. */
export async function pointClient(place: Place, originals: string[], entry: Record<string, unknown>): Promise<Pointed> {
  const file = realpathSync(place.path);
  const text = readFileSync(file, 'utf8');
  const read = readClientFile(place.path, text);
  const formattingOptions = formattingOf(text);
  const edit = (out: string, path: string[], value: unknown) => applyEdits(out, modify(out, path, value, { formattingOptions }));
  let out = originals.reduce((out, name) => edit(out, pathOf(read, place.client, place.project, name), undefined), text);
  out = edit(out, [place.client.key, 'mcplex'], entry);
  const backup = backupOf(place.path);
  copyFileSync(file, backup);
  await atomicWrite(file, out, { mode: statSync(file).mode & 0o7777 });
  return { place, backup, removed: originals };
}
