// A temporary tree for the filesystem server tests: a root with files, a secret beside it, and links that escape.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FsFixture {
  base: string;
  root: string;
  secret: string;
  cleanup(): void;
}

export function makeFsFixture(): FsFixture {
  const base = mkdtempSync(join(tmpdir(), 'mcplex-fs-'));
  const root = join(base, 'root');
  mkdirSync(join(root, 'docs', 'deep'), { recursive: true });
  writeFileSync(join(root, 'hello.txt'), 'hello world\nsecond line\n');
  writeFileSync(join(root, 'docs', 'guide.md'), '# Guide\nUse the needle here.\n');
  writeFileSync(join(root, 'docs', 'deep', 'notes.md'), 'nothing\nanother needle\n');
  writeFileSync(join(root, 'blob.bin'), Buffer.from([0, 1, 2, 3, 255, 254]));
  writeFileSync(join(root, 'café.txt'), 'composed name\n');
  const secret = join(base, 'secret.txt');
  writeFileSync(secret, 'TOP SECRET');
  mkdirSync(join(base, 'root-evil'));
  writeFileSync(join(base, 'root-evil', 'x.txt'), 'sibling with a shared prefix');
  symlinkSync(secret, join(root, 'link-out.txt'));
  symlinkSync(base, join(root, 'dir-out'));
  symlinkSync(join(root, 'hello.txt'), join(root, 'link-in.txt'));
  return { base, root, secret, cleanup: () => rmSync(base, { recursive: true, force: true }) };
}
