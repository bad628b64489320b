// The same tasks against our reference servers and the official @modelcontextprotocol/server-filesystem and
// server-postgres (devDependencies), each over stdio with the official SDK client: the outcomes in
// docs/reference-servers.md come from here.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newClient } from '../helpers/clients.js';
import { ROOT, tsxArgs } from '../helpers/process.js';
import { type FsFixture, makeFsFixture } from './fs-fixture.js';

const CLI = join(ROOT, 'src', 'cli', 'main.ts');
const OFFICIAL_FS = join(ROOT, 'node_modules', '@modelcontextprotocol', 'server-filesystem', 'dist', 'index.js');
const OFFICIAL_PG = join(ROOT, 'node_modules', '@modelcontextprotocol', 'server-postgres', 'dist', 'index.js');
type Result = { content?: Array<{ text?: string }>; isError?: boolean; structuredContent?: Record<string, unknown> };
const text = (r: Result) => (r.content ?? []).map((c) => c.text ?? '').join('');

async function stdio(args: string[]): Promise<Client> {
  const transport = new StdioClientTransport({ command: process.execPath, args, cwd: ROOT, env: { ...(process.env as Record<string, string>), MCPLEX_LOG_LEVEL: 'warn' }, stderr: 'pipe' });
  transport.stderr?.on('data', () => {});
  // The official servers speak the 2025 era only.
  const client = newClient('legacy');
  await client.connect(transport);
  return client;
}
/** A tool call whose protocol-level failure also counts as a refusal. */
async function attempt(client: Client, name: string, args: Record<string, unknown>): Promise<Result> {
  try {
    return (await client.callTool({ name, arguments: args })) as Result;
  } catch (err) {
    return { isError: true, content: [{ text: (err as Error).message }] };
  }
}

describe('filesystem: ours vs @modelcontextprotocol/server-filesystem', () => {
  let fx: FsFixture;
  let ours: Client;
  let official: Client;
  beforeAll(async () => {
    fx = makeFsFixture();
    [ours, official] = await Promise.all([stdio(tsxArgs(CLI, 'server', 'filesystem', '--root', fx.root, '--write')), stdio([OFFICIAL_FS, fx.root])]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([ours?.close(), official?.close()]);
    fx.cleanup();
  });

  it('both read, write, list and search', async () => {
    const file = join(fx.root, 'hello.txt');
    expect(text(await attempt(ours, 'read_file', { path: file }))).toContain('hello world');
    expect(text(await attempt(official, 'read_text_file', { path: file }))).toContain('hello world');
    for (const [who, c] of [['ours', ours], ['official', official]] as const) {
      const written = join(fx.root, `written-${who}.txt`);
      expect((await attempt(c, 'write_file', { path: written, content: who })).isError).toBeFalsy();
      expect(readFileSync(written, 'utf8')).toBe(who);
      expect(text(await attempt(c, 'list_directory', { path: fx.root }))).toContain('hello.txt');
      expect(text(await attempt(c, 'search_files', { path: fx.root, pattern: '**/*.md' }))).toContain('guide.md');
    }
  });

  it('both refuse escapes by .., absolute paths and symbolic links', async () => {
    for (const path of [join(fx.root, '..', 'secret.txt'), fx.secret, join(fx.root, 'link-out.txt'), join(fx.root, 'dir-out', 'secret.txt')]) {
      const a = await attempt(ours, 'read_file', { path });
      const b = await attempt(official, 'read_text_file', { path });
      expect([a.isError, b.isError]).toEqual([true, true]);
      expect(text(a) + text(b)).not.toContain('TOP SECRET');
    }
  });

  it('only ours searches inside files, writes create-only and is read-only by default', async () => {
    const grep = await attempt(ours, 'search_files', { path: fx.root, pattern: '**/*.md', contains: 'needle' });
    expect((grep.structuredContent!.matches as unknown[]).length).toBe(2);
    const officialSearch = (await official.listTools()).tools.find((t) => t.name === 'search_files')!;
    expect(Object.keys((officialSearch.inputSchema as { properties: object }).properties)).not.toContain('contains');
    expect(text(await attempt(ours, 'write_file', { path: join(fx.root, 'hello.txt'), content: 'x', createOnly: true }))).toContain('already exists');
    const readOnly = await stdio(tsxArgs(CLI, 'server', 'filesystem', '--root', fx.root));
    expect((await readOnly.listTools()).tools.map((t) => t.name)).not.toContain('write_file');
    await readOnly.close();
  }, 30_000);
});

const URL_ = process.env.DATABASE_URL;
if (!URL_ && process.env.CI === 'true') throw new Error('DATABASE_URL is required when CI=true');
if (!URL_) console.log('skipping the PostgreSQL comparison: DATABASE_URL is not set');

describe.skipIf(!URL_)('PostgreSQL: ours vs @modelcontextprotocol/server-postgres', () => {
  const suffix = randomBytes(4).toString('hex');
  const schema = `mcplex_cmp_${suffix}`;
  const role = `mcplex_cmp_reader_${suffix}`;
  const admin = new pg.Client({ connectionString: URL_ });
  let ours: Client;
  let official: Client;
  const exists = async (table: string) => (await admin.query('SELECT to_regclass($1) AS t', [`${schema}.${table}`])).rows[0].t !== null;

  beforeAll(async () => {
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.query(`CREATE TABLE ${schema}.items (id int PRIMARY KEY, name text)`);
    await admin.query(`INSERT INTO ${schema}.items VALUES (1, 'a'), (2, 'b')`);
    await admin.query(`CREATE TABLE ${schema}.victim_ours (id int)`);
    await admin.query(`CREATE TABLE ${schema}.victim_official (id int)`);
    await admin.query(`CREATE ROLE ${role} LOGIN`);
    await admin.query(`GRANT USAGE ON SCHEMA ${schema} TO ${role}`);
    await admin.query(`GRANT SELECT ON ALL TABLES IN SCHEMA ${schema} TO ${role}`);
    const reader = new URL(URL_!);
    reader.username = role;
    // Ours refuses a superuser login, so it logs in as a SELECT-only role; the official server as given.
    [ours, official] = await Promise.all([stdio(tsxArgs(CLI, 'server', 'sql', '--database', reader.href, '--schema', schema)), stdio([OFFICIAL_PG, URL_!])]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([ours?.close(), official?.close()]);
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.query(`DROP ROLE IF EXISTS ${role}`);
    await admin.end();
  });

  it('both query', async () => {
    const sql = `SELECT count(*)::int AS n FROM ${schema}.items`;
    expect((await attempt(ours, 'query', { sql })).structuredContent).toMatchObject({ rows: [[2]] });
    expect(text(await attempt(official, 'query', { sql }))).toContain('"n": 2');
  });

  it('both refuse a plain write in their read-only transaction', async () => {
    for (const c of [ours, official]) expect((await attempt(c, 'query', { sql: `DELETE FROM ${schema}.items` })).isError).toBe(true);
    expect((await admin.query(`SELECT count(*)::int AS n FROM ${schema}.items`)).rows[0].n).toBe(2);
  });

  it('a stacked COMMIT escapes the official read-only transaction, not ours', async () => {
    const ourTry = await attempt(ours, 'query', { sql: `COMMIT; DROP TABLE ${schema}.victim_ours` });
    expect(ourTry.isError).toBe(true);
    expect(await exists('victim_ours')).toBe(true);
    await attempt(official, 'query', { sql: `COMMIT; DROP TABLE ${schema}.victim_official` });
    expect(await exists('victim_official')).toBe(false);
  });

  it('server files: ours is refused by the database, the official server reads them as a superuser login', async () => {
    const sql = "SELECT length(pg_read_file('/etc/hostname')) AS n";
    expect(text(await attempt(ours, 'query', { sql }))).toMatch(/permission denied/);
    expect(text(await attempt(official, 'query', { sql }))).toContain('"n"');
  });
});
