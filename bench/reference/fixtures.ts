// What the reference bench runs against: a temporary directory tree (small file, a directory, a small tree to
// glob, a ~1 MB file) and, on PostgreSQL, a schema and a SELECT-only role unique to the run, dropped after.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface FsTree {
  /** realpath'd: the official server compares paths after resolving its allowed directories. */
  root: string;
  small: string;
  listDir: string;
  tree: string;
  big: string;
  cleanup(): void;
}

export const BIG_BYTES = 1_000_000;

export function makeFsTree(): FsTree {
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'mcplex-bench-ref-')));
  const small = join(base, 'hello.txt');
  writeFileSync(small, 'hello world\nsecond line\n');
  const listDir = join(base, 'list');
  mkdirSync(listDir);
  for (let i = 0; i < 30; i++) writeFileSync(join(listDir, `file-${i}.txt`), `file ${i}\n`);
  // 5 directories × 2 levels × 10 files, half of them Markdown: 100 files, 50 matches for **/*.md.
  const tree = join(base, 'tree');
  for (let d = 0; d < 5; d++) {
    const deep = join(tree, `dir-${d}`, 'deep');
    mkdirSync(deep, { recursive: true });
    for (let f = 0; f < 10; f++) {
      const ext = f % 2 === 0 ? 'md' : 'txt';
      writeFileSync(join(tree, `dir-${d}`, `doc-${f}.${ext}`), `doc ${d}/${f}\n`);
      writeFileSync(join(deep, `note-${f}.${ext}`), `note ${d}/${f}\n`);
    }
  }
  // Plain text lines under our 1 MiB read limit, so both servers return it whole.
  const big = join(base, 'big.txt');
  const line = `${'x'.repeat(99)}\n`;
  writeFileSync(big, line.repeat(BIG_BYTES / line.length));
  return { root: base, small, listDir, tree, big, cleanup: () => rmSync(base, { recursive: true, force: true }) };
}

export interface PgFixture {
  schema: string;
  /** The same database, logged in as the SELECT-only role (ours refuses a superuser login). */
  readerUrl: string;
  cleanup(): Promise<void>;
}

export const PG_ROWS = 100;

export async function makePgFixture(databaseUrl: string): Promise<PgFixture> {
  const suffix = randomBytes(4).toString('hex');
  const schema = `mcplex_bench_${suffix}`;
  const role = `mcplex_bench_reader_${suffix}`;
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  const cleanup = async () => {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.query(`DROP ROLE IF EXISTS ${role}`);
    await admin.end();
  };
  try {
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.query(`CREATE TABLE ${schema}.items (id int PRIMARY KEY, name text NOT NULL, price numeric(8,2))`);
    await admin.query(`INSERT INTO ${schema}.items SELECT i, 'item ' || i, i * 1.25 FROM generate_series(1, ${PG_ROWS}) AS i`);
    await admin.query(`CREATE ROLE ${role} LOGIN`);
    await admin.query(`GRANT USAGE ON SCHEMA ${schema} TO ${role}`);
    await admin.query(`GRANT SELECT ON ALL TABLES IN SCHEMA ${schema} TO ${role}`);
  } catch (err) {
    await cleanup();
    throw err;
  }
  const reader = new URL(databaseUrl);
  reader.username = role;
  reader.password = '';
  return { schema, readerUrl: reader.href, cleanup };
}
