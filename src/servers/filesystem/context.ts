// What every filesystem tool shares: the sandbox, the options, and the roots allowed for the current caller
// (the configured roots, narrowed by a 2025-era client's MCP roots when it declares them).
import { type Middleware, ToolError } from '../../core/index.js';
import type { HandlerContext } from '../../server/index.js';
import type { ResolvedFilesystemOptions } from './options.js';
import type { Sandbox } from './sandbox.js';

export interface FsEnv {
  sandbox: Sandbox;
  opts: ResolvedFilesystemOptions;
}

/** On 2026-era requests asking for roots costs a round trip per call; only 2025-era sessions are asked. */
export async function allowedRoots(env: FsEnv, ctx: HandlerContext): Promise<string[]> {
  if (!env.opts.honourClientRoots || ctx.era !== 'legacy' || !ctx.clientCapabilities.roots) return env.sandbox.roots;
  const roots = await ctx.roots();
  return roots.length === 0 ? env.sandbox.roots : env.sandbox.narrow(roots);
}

/** Resolves a path argument for this caller. */
export async function resolvePath(env: FsEnv, ctx: HandlerContext, path: string): Promise<string> {
  return env.sandbox.resolve(path, await allowedRoots(env, ctx));
}

/** Resolves a path argument to the entry itself (a link, not its target) for this caller. */
export async function resolveEntry(env: FsEnv, ctx: HandlerContext, path: string): Promise<string> {
  return env.sandbox.resolveEntry(path, await allowedRoots(env, ctx));
}

/** A deadline for walks: true once `timeoutMs` has passed or the request was cancelled. */
export function deadline(timeoutMs: number, signal: AbortSignal): () => boolean {
  const end = Date.now() + timeoutMs;
  return () => signal.aborted || Date.now() > end;
}

const ERRNO: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EEXIST: 'already exists',
  ENOTDIR: 'not a directory',
  EISDIR: 'is a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTEMPTY: 'directory not empty',
  EXDEV: 'cannot move across file systems',
  ELOOP: 'too many symbolic links',
};

/**
 * File system errors become tool errors a user can act on (`/data/x.txt: no such file or directory`), not an
 * internal error; the path shown is the sandboxed one the call named, never anything outside it.
 */
export const fsErrors: Middleware = async (ctx, next) => {
  try {
    return await next();
  } catch (err) {
    const e = err as NodeJS.ErrnoException | undefined;
    if (ctx.method !== 'tools/call' || typeof e?.code !== 'string' || !e.code.startsWith('E')) throw err;
    throw new ToolError(`${e.path ? `${e.path}: ` : ''}${ERRNO[e.code] ?? e.code}`);
  }
};
