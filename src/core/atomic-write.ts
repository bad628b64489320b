// Writing a file so that readers never see it half-written: the data goes to a temporary file beside it, synced,
// then moved into place (or linked, for create-only, which fails instead of replacing).
import { randomBytes } from 'node:crypto';
import { link, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface AtomicWriteOptions {
  /** Fail with EEXIST rather than replace a file already there (no window between a check and the write). */
  createOnly?: boolean;
  /** The new file's permission bits (default 0o644, less the umask). */
  mode?: number;
}

/** Writes `data` next to `file` and moves it into place. */
export async function atomicWrite(file: string, data: Buffer | string, opts: AtomicWriteOptions = {}): Promise<void> {
  const temp = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(temp, 'wx', opts.mode ?? 0o644);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    if (opts.createOnly) await link(temp, file);
    else await rename(temp, file);
  } finally {
    // After link() the temp name is a second name to remove; after a failed rename it is the leftover.
    await unlink(temp).catch(() => {});
  }
}
