// What the filesystem server can be told: its roots, read-only mode and the limits that keep one call cheap.
// The gateway's `builtin: filesystem` config and `mcplex server filesystem` both map onto this.

export interface FilesystemOptions {
  /** Directories the server may touch (everything under them, after symlinks are resolved). */
  roots: string[];
  /** No write tools are registered at all. Default true (safe by default): pass false to allow writes. */
  readOnly?: boolean;
  /** Largest number of bytes one read returns (larger files need `offset`/`length`). Default 1 MiB. */
  maxReadBytes?: number;
  /** Largest file write_file / edit_file accept. Default 10 MiB. */
  maxWriteBytes?: number;
  /** Most entries list/tree/search return. Default 1000. */
  maxResults?: number;
  /** How long one list/tree/search may walk before it stops and says so. Default 10 s. */
  timeoutMs?: number;
  /** Narrow the roots to the client's MCP roots when a 2025-era client declares them. Default true. */
  honourClientRoots?: boolean;
  /** Most files watched for resource subscriptions at once. Default 256. */
  maxWatched?: number;
}

export type ResolvedFilesystemOptions = Required<FilesystemOptions>;

export function filesystemDefaults(o: FilesystemOptions): ResolvedFilesystemOptions {
  return {
    readOnly: true,
    maxReadBytes: 1024 * 1024,
    maxWriteBytes: 10 * 1024 * 1024,
    maxResults: 1000,
    timeoutMs: 10_000,
    honourClientRoots: true,
    maxWatched: 256,
    ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)),
    roots: o.roots,
  };
}
