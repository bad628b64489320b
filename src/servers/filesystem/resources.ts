// The filesystem as MCP resources: `file://` URIs under the roots (a template, plus a listing of the first files),
// read through the same sandbox as the tools (subscriptions are in watch.ts).
import { type Dirent, readdirSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ErrorCode, WireError } from '../../core/index.js';
import type { McplexServer } from '../../server/index.js';
import { type FsEnv, resolvePath } from './context.js';
import { looksLikeText, mimeOf } from './mime.js';

/** How many files resources/list shows (the template reaches every file). */
const LISTED = 100;

export function registerFileResources(server: McplexServer, env: FsEnv): void {
  server.resourceTemplate(
    'file://{+path}',
    { name: 'file', description: 'Any file under the allowed directories', mimeType: 'application/octet-stream' },
    async (uri, _vars, ctx) => {
      let file: string;
      try {
        file = await resolvePath(env, ctx, fileURLToPath(uri));
      } catch (err) {
        throw new WireError(ErrorCode.InvalidParams, (err as Error).message);
      }
      const info = await stat(file).catch(() => undefined);
      if (!info) throw new WireError(ErrorCode.ResourceNotFound, `Resource not found: ${uri.href}`);
      if (info.isDirectory()) {
        const names = (await readdir(file)).sort();
        return { contents: [{ uri: uri.href, mimeType: 'text/plain', text: names.join('\n') }] };
      }
      if (info.size > env.opts.maxReadBytes) {
        throw new WireError(ErrorCode.InvalidParams, `${uri.href} is ${info.size} bytes, over the ${env.opts.maxReadBytes}-byte limit; use the read_file tool with a byte range`);
      }
      const bytes = await readFile(file);
      const mimeType = mimeOf(file) ?? (looksLikeText(bytes) ? 'text/plain' : 'application/octet-stream');
      return looksLikeText(bytes)
        ? { contents: [{ uri: uri.href, mimeType, text: bytes.toString('utf8') }] }
        : { contents: [{ uri: uri.href, mimeType, blob: bytes.toString('base64') }] };
    },
  );
  for (const file of firstFiles(env.sandbox.roots, LISTED)) {
    const uri = pathToFileURL(file).href;
    server.resource(uri, { name: basename(file), ...(mimeOf(file) && { mimeType: mimeOf(file) }) }, async (u, ctx) => {
      const real = await resolvePath(env, ctx, fileURLToPath(u));
      const bytes = await readFile(real);
      return { contents: [looksLikeText(bytes) ? { uri, text: bytes.toString('utf8') } : { uri, blob: bytes.toString('base64') }] };
    });
  }
}

/** Up to `limit` files, breadth first, without following links (a startup snapshot for resources/list). */
function firstFiles(roots: string[], limit: number): string[] {
  const out: string[] = [];
  const queue = [...roots];
  while (queue.length > 0 && out.length < limit) {
    const dir = queue.shift()!;
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const d of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (d.isFile() && out.length < limit) out.push(join(dir, d.name));
      else if (d.isDirectory()) queue.push(join(dir, d.name));
    }
  }
  return out;
}
