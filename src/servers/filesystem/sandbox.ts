// Which paths the filesystem server may touch: every path is resolved to its real location (symlinks, `..`,
// absolute paths, Unicode forms) and must lie inside an allowed root, narrowed by the client's MCP roots.
import { realpathSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ToolError } from '../../core/index.js';

/** True when `child` is `parent` or lies below it (both real, absolute paths). */
export function isWithin(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

async function realOrNearest(path: string): Promise<string> {
  // A path that does not exist yet (a file about to be written) is judged by its nearest existing ancestor.
  const missing: string[] = [];
  let at = path;
  for (;;) {
    try {
      return join(await realpath(at), ...missing.reverse());
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
      const parent = dirname(at);
      if (parent === at) throw err;
      missing.push(basename(at));
      at = parent;
    }
  }
}

export class Sandbox {
  /** The configured roots, real and absolute. */
  readonly roots: string[];

  constructor(roots: string[]) {
    if (roots.length === 0) throw new Error('the filesystem server needs at least one root directory');
    this.roots = roots.map((r) => {
      try {
        return realpathSync(resolve(r));
      } catch {
        throw new Error(`root directory not found: ${r} (create it, or fix the path)`);
      }
    });
  }

  /** The configured roots narrowed to the client's `file://` roots (the overlap of each pair). */
  narrow(clientRoots: { uri: string }[]): string[] {
    const out = new Set<string>();
    for (const { uri } of clientRoots) {
      if (!uri.startsWith('file://')) continue;
      let real: string;
      try {
        real = realpathSync(fileURLToPath(uri));
      } catch {
        continue; // a root that does not exist here allows nothing
      }
      for (const root of this.roots) {
        if (isWithin(root, real)) out.add(real);
        else if (isWithin(real, root)) out.add(root);
      }
    }
    return [...out];
  }

  /**
   * The real path of `input` if it lies inside one of `allowed`; relative paths are taken from the first root.
   * Text is NFC-normalised first, so a decomposed name finds the file its composed twin names.
   */
  async resolve(input: string, allowed: string[] = this.roots): Promise<string> {
    if (input.includes('\0')) throw new ToolError('Path contains a NUL character');
    if (allowed.length === 0) throw new ToolError('Access denied: no allowed directory (the client roots do not overlap the server roots)');
    const text = input.normalize('NFC');
    const given = text.startsWith('file://') ? fileURLToPath(text) : text;
    const absolute = isAbsolute(given) ? resolve(given) : resolve(allowed[0]!, given);
    const lexicalOk = allowed.some((r) => isWithin(r, absolute)) || this.roots.some((r) => isWithin(r, absolute));
    let real: string;
    try {
      real = await realOrNearest(absolute);
    } catch (err) {
      throw new ToolError(`Cannot resolve ${input}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    if (!allowed.some((r) => isWithin(r, real))) {
      const why = lexicalOk ? 'it resolves (through a symbolic link) outside the allowed directories' : 'it is outside the allowed directories';
      throw new ToolError(`Access denied: ${input}: ${why}: ${allowed.join(', ')}`);
    }
    return real;
  }

  /**
   * The entry itself rather than what it points to (for moving a symbolic link, not its target): the parent is
   * resolved and checked, the last name is kept.
   */
  async resolveEntry(input: string, allowed: string[] = this.roots): Promise<string> {
    const text = input.normalize('NFC').replace(/[\\/]+$/, '');
    const name = basename(text);
    if (name === '' || name === '.' || name === '..') return this.resolve(input, allowed);
    const parent = await this.resolve(dirname(isAbsolute(text) || text.startsWith('file://') ? text : resolve(allowed[0] ?? this.roots[0]!, text)), allowed);
    return join(parent, name);
  }
}
