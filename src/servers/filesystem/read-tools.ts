// The filesystem server's read-only tools: read_file, list_directory, directory_tree, get_file_info and
// list_allowed_roots. Each resolves its path through the sandbox and keeps to the configured limits.
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { ToolError } from '../../core/index.js';
import type { McplexServer } from '../../server/index.js';
import { allowedRoots, deadline, type FsEnv, resolvePath } from './context.js';
import { looksLikeText, mimeOf } from './mime.js';

const READ = { readOnlyHint: true, idempotentHint: true, openWorldHint: false } as const;
const path = z.string().min(1).describe('A path inside an allowed directory (absolute, or relative to the first one)');

async function readRange(file: string, offset: number, length: number): Promise<Buffer> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(length);
    const { bytesRead } = await fh.read(buf, 0, length, offset);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

export function registerReadTools(server: McplexServer, env: FsEnv): void {
  const { maxReadBytes, maxResults, timeoutMs } = env.opts;

  server.tool(
    'read_file',
    {
      title: 'Read file',
      description: `Reads a file: text as text, binary files as a base64 blob with its MIME type. Files over ${maxReadBytes} bytes need offset/length (a byte range).`,
      input: z.object({
        path,
        encoding: z.enum(['auto', 'utf8', 'base64']).default('auto').describe('auto: text if the bytes are UTF-8 text, else base64'),
        offset: z.number().int().min(0).optional().describe('First byte to read'),
        length: z.number().int().min(1).max(maxReadBytes).optional().describe('How many bytes to read'),
      }),
      annotations: READ,
    },
    async ({ path: p, encoding, offset, length }, ctx) => {
      const file = await resolvePath(env, ctx, p);
      const info = await stat(file);
      if (!info.isFile()) throw new ToolError(`${p} is not a regular file`);
      if (info.size > maxReadBytes && offset === undefined && length === undefined) {
        throw new ToolError(`${p} is ${info.size} bytes, over the ${maxReadBytes}-byte read limit; read it in ranges with offset and length`);
      }
      // Never more than the file holds: a zeroed 1 MiB buffer for every small read cost most of its CPU.
      const bytes = await readRange(file, offset ?? 0, Math.min(length ?? maxReadBytes, maxReadBytes, Math.max(0, info.size - (offset ?? 0))));
      const uri = pathToFileURL(file).href;
      const mimeType = mimeOf(file) ?? 'application/octet-stream';
      const range = offset !== undefined || length !== undefined ? { offset: offset ?? 0, bytes: bytes.length, size: info.size } : undefined;
      const _meta = range ? { range } : undefined;
      if (encoding === 'utf8' || (encoding === 'auto' && looksLikeText(bytes))) {
        return { content: [{ type: 'text', text: bytes.toString('utf8') }], ...(_meta && { _meta }) };
      }
      const data = bytes.toString('base64');
      if (mimeType.startsWith('image/') && !range) return { content: [{ type: 'image', data, mimeType }] };
      return { content: [{ type: 'resource', resource: { uri, mimeType, blob: data } }], ...(_meta && { _meta }) };
    },
  );

  const entry = z.object({ name: z.string(), type: z.enum(['file', 'directory', 'symlink', 'other']), size: z.number().optional() });
  server.tool(
    'list_directory',
    {
      title: 'List directory',
      description: `Lists a directory's entries (at most ${maxResults}).`,
      input: z.object({ path }),
      output: z.object({ path: z.string(), entries: z.array(entry), truncated: z.boolean() }),
      annotations: READ,
    },
    async ({ path: p }, ctx) => {
      const dir = await resolvePath(env, ctx, p);
      const dirents = await readdir(dir, { withFileTypes: true });
      const entries = await Promise.all(
        dirents.slice(0, maxResults).map(async (d) => {
          const type = d.isDirectory() ? 'directory' : d.isFile() ? 'file' : d.isSymbolicLink() ? 'symlink' : 'other';
          const size = type === 'file' ? (await stat(join(dir, d.name)).catch(() => undefined))?.size : undefined;
          return { name: d.name, type, ...(size !== undefined && { size }) } as z.infer<typeof entry>;
        }),
      );
      entries.sort((a, b) => a.name.localeCompare(b.name));
      const truncated = dirents.length > maxResults;
      const text = entries.map((e) => `${e.type === 'directory' ? '[DIR] ' : '[FILE]'} ${e.name}`).join('\n') + (truncated ? `\n… (first ${maxResults} of ${dirents.length})` : '');
      return { content: [{ type: 'text', text: text || '(empty)' }], structuredContent: { path: dir, entries, truncated } };
    },
  );

  server.tool(
    'directory_tree',
    {
      title: 'Directory tree',
      description: `A recursive listing (depth-limited, at most ${maxResults} entries); symbolic links are shown, not followed.`,
      input: z.object({ path, depth: z.number().int().min(1).max(20).default(3) }),
      annotations: READ,
    },
    async ({ path: p, depth }, ctx) => {
      const top = await resolvePath(env, ctx, p);
      const expired = deadline(timeoutMs, ctx.signal);
      const lines: string[] = [];
      let stopped = '';
      const walk = async (dir: string, level: number): Promise<void> => {
        const dirents = (await readdir(dir, { withFileTypes: true }).catch(() => [])).sort((a, b) => a.name.localeCompare(b.name));
        for (const d of dirents) {
          if (lines.length >= maxResults) stopped = `stopped at ${maxResults} entries`;
          else if (expired()) stopped = `stopped after ${timeoutMs} ms`;
          if (stopped) return;
          lines.push(`${'  '.repeat(level)}${d.name}${d.isDirectory() ? '/' : d.isSymbolicLink() ? ' -> (link)' : ''}`);
          if (d.isDirectory() && level + 1 < depth) await walk(join(dir, d.name), level + 1);
        }
      };
      await walk(top, 0);
      return `${lines.join('\n') || '(empty)'}${stopped ? `\n… (${stopped})` : ''}`;
    },
  );

  server.tool(
    'get_file_info',
    {
      title: 'File info',
      description: 'Size, type, times and permissions of a file or directory.',
      input: z.object({ path }),
      output: z.object({ path: z.string(), type: z.string(), size: z.number(), modified: z.string(), created: z.string(), mode: z.string() }),
      annotations: READ,
    },
    async ({ path: p }, ctx) => {
      const real = await resolvePath(env, ctx, p);
      const s = await stat(real);
      const info = {
        path: real,
        type: s.isDirectory() ? 'directory' : s.isFile() ? 'file' : 'other',
        size: s.size,
        modified: s.mtime.toISOString(),
        created: s.birthtime.toISOString(),
        mode: (s.mode & 0o777).toString(8),
      };
      return { content: [{ type: 'text', text: JSON.stringify(info, null, 2) }], structuredContent: info };
    },
  );

  server.tool(
    'list_allowed_roots',
    { title: 'Allowed directories', description: 'The directories this server may access for you.', input: z.object({}), output: z.object({ roots: z.array(z.string()) }), annotations: READ },
    async (_args, ctx) => {
      const roots = await allowedRoots(env, ctx);
      return { content: [{ type: 'text', text: roots.join('\n') || '(none)' }], structuredContent: { roots } };
    },
  );
}
