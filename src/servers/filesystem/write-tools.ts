// The filesystem server's write tools (registered only when not read-only): write_file (atomic: temp file then
// rename, or link for create-only: core's atomicWrite), edit_file (exact search/replace with a diff preview), move_file, create_directory.
import { lstat, mkdir, readFile, rename } from 'node:fs/promises';
import { z } from 'zod';
import { atomicWrite, ToolError } from '../../core/index.js';
import type { McplexServer } from '../../server/index.js';
import { type FsEnv, resolveEntry, resolvePath } from './context.js';
import { unifiedDiff } from './diff-preview.js';

const path = z.string().min(1).describe('A path inside an allowed directory (absolute, or relative to the first one)');

async function exists(p: string): Promise<boolean> {
  return lstat(p).then(
    () => true,
    () => false,
  );
}

export function registerWriteTools(server: McplexServer, env: FsEnv, changed: (file: string) => void): void {
  const { maxWriteBytes } = env.opts;

  server.tool(
    'write_file',
    {
      title: 'Write file',
      description: 'Creates or replaces a file atomically (never half-written). createOnly refuses to replace an existing file.',
      input: z.object({
        path,
        content: z.string().describe('The new content'),
        encoding: z.enum(['utf8', 'base64']).default('utf8'),
        createOnly: z.boolean().default(false).describe('Fail if the file already exists'),
      }),
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
    async ({ path: p, content, encoding, createOnly }, ctx) => {
      const file = await resolvePath(env, ctx, p);
      const data = Buffer.from(content, encoding);
      if (data.length > maxWriteBytes) throw new ToolError(`Content is ${data.length} bytes, over the ${maxWriteBytes}-byte write limit`);
      if (createOnly && (await exists(file))) throw new ToolError(`${p} already exists (createOnly is set)`);
      await atomicWrite(file, data, { createOnly });
      changed(file);
      return `Wrote ${data.length} bytes to ${file}`;
    },
  );

  server.tool(
    'edit_file',
    {
      title: 'Edit file',
      description: 'Replaces exact text in a file (each oldText must occur exactly once) and returns a unified diff. dryRun previews without writing.',
      input: z.object({
        path,
        edits: z.array(z.object({ oldText: z.string().min(1), newText: z.string() })).min(1),
        dryRun: z.boolean().default(false),
      }),
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
    },
    async ({ path: p, edits, dryRun }, ctx) => {
      const file = await resolvePath(env, ctx, p);
      const before = await readFile(file, 'utf8');
      if (Buffer.byteLength(before) > maxWriteBytes) throw new ToolError(`${p} is over the ${maxWriteBytes}-byte edit limit`);
      let after = before;
      for (const [i, { oldText, newText }] of edits.entries()) {
        const at = after.indexOf(oldText);
        if (at < 0) throw new ToolError(`Edit ${i + 1}: oldText not found in ${p} (it must match exactly, whitespace included)`);
        if (after.indexOf(oldText, at + 1) >= 0) throw new ToolError(`Edit ${i + 1}: oldText occurs more than once in ${p}; include more surrounding text`);
        after = after.slice(0, at) + newText + after.slice(at + oldText.length);
      }
      const diff = unifiedDiff(p, before, after);
      if (!dryRun) {
        await atomicWrite(file, Buffer.from(after, 'utf8'));
        changed(file);
      }
      return { content: [{ type: 'text', text: `${dryRun ? 'Preview (not written)' : 'Applied'}:\n${diff}` }], structuredContent: { diff, applied: !dryRun } };
    },
  );

  server.tool(
    'move_file',
    {
      title: 'Move file',
      description: 'Moves or renames a file or directory; refuses to replace an existing destination.',
      input: z.object({ source: path, destination: path }),
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
    },
    async ({ source, destination }, ctx) => {
      const from = await resolveEntry(env, ctx, source);
      const to = await resolvePath(env, ctx, destination);
      if (await exists(to)) throw new ToolError(`${destination} already exists; choose another destination`);
      await rename(from, to);
      changed(from);
      changed(to);
      return `Moved ${from} to ${to}`;
    },
  );

  server.tool(
    'create_directory',
    {
      title: 'Create directory',
      description: 'Creates a directory (and its parents); succeeds if it already exists.',
      input: z.object({ path }),
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async ({ path: p }, ctx) => {
      const dir = await resolvePath(env, ctx, p);
      await mkdir(dir, { recursive: true });
      return `Directory ${dir} exists`;
    },
  );
}
