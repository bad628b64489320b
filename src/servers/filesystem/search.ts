// search_files: a walk under one directory matching a glob on relative paths (picomatch) and optionally the
// text inside files (substring or regular expression), bounded by result count, file size and time.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import picomatch from 'picomatch';
import { z } from 'zod';
import { ToolError } from '../../core/index.js';
import type { McplexServer } from '../../server/index.js';
import { deadline, type FsEnv, resolvePath } from './context.js';
import { looksLikeText } from './mime.js';

const match = z.object({ path: z.string(), line: z.number().optional(), text: z.string().optional() });

export function registerSearch(server: McplexServer, env: FsEnv): void {
  const { maxResults, maxReadBytes, timeoutMs } = env.opts;
  server.tool(
    'search_files',
    {
      title: 'Search files',
      description: `Finds files under a directory by glob (e.g. "**/*.md") and, with contains, lines inside them. At most ${maxResults} results; files over ${maxReadBytes} bytes are not searched inside.`,
      input: z.object({
        path: z.string().min(1).describe('Directory to search under'),
        pattern: z.string().min(1).default('**/*').describe('Glob over paths relative to `path`'),
        contains: z.string().min(1).optional().describe('Text to find inside files'),
        regex: z.boolean().default(false).describe('Treat contains as a regular expression'),
        caseSensitive: z.boolean().default(false),
        maxResults: z.number().int().min(1).max(maxResults).default(Math.min(100, maxResults)),
      }),
      output: z.object({ matches: z.array(match), truncated: z.boolean(), reason: z.string().optional() }),
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    async (args, ctx) => {
      const top = await resolvePath(env, ctx, args.path);
      const glob = picomatch(args.pattern, { dot: true, nocase: !args.caseSensitive });
      let grep: RegExp | undefined;
      if (args.contains) {
        try {
          grep = new RegExp(args.regex ? args.contains : args.contains.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), args.caseSensitive ? '' : 'i');
        } catch (err) {
          throw new ToolError(`contains is not a valid regular expression: ${(err as Error).message}`);
        }
      }
      const expired = deadline(timeoutMs, ctx.signal);
      const matches: z.infer<typeof match>[] = [];
      let reason: string | undefined;
      const full = () => matches.length >= args.maxResults;
      const walk = async (dir: string): Promise<void> => {
        for (const d of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
          if (full()) reason ??= `stopped at ${args.maxResults} results`;
          else if (expired()) reason ??= `stopped after ${timeoutMs} ms`;
          if (reason) return;
          const abs = join(dir, d.name);
          const rel = relative(top, abs);
          // Symbolic links are not followed: a link could lead out of the root or into a cycle.
          if (d.isDirectory()) {
            if (!grep && glob(rel)) matches.push({ path: abs });
            await walk(abs);
          } else if (d.isFile() && glob(rel)) {
            if (!grep) matches.push({ path: abs });
            else await grepFile(abs, grep);
          }
        }
      };
      const grepFile = async (file: string, re: RegExp): Promise<void> => {
        if ((await stat(file)).size > maxReadBytes) return;
        const bytes = await readFile(file);
        if (!looksLikeText(bytes)) return;
        const lines = bytes.toString('utf8').split('\n');
        for (const [i, line] of lines.entries()) {
          if (full()) return;
          if (re.test(line)) matches.push({ path: file, line: i + 1, text: line.length > 300 ? `${line.slice(0, 300)}…` : line });
        }
      };
      await walk(top);
      const text = matches.map((m) => (m.line ? `${m.path}:${m.line}: ${m.text}` : m.path)).join('\n') || 'No matches';
      return {
        content: [{ type: 'text', text: reason ? `${text}\n… (${reason})` : text }],
        structuredContent: { matches, truncated: reason !== undefined, ...(reason && { reason }) },
      };
    },
  );
}
