// The tasks of `npm run bench -- reference`: how each server is started and what one call of each task is for
// ours and for the official server, with a check of every reply (a wrong or failed reply counts as an error).
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client } from '@modelcontextprotocol/client';
import { BIG_BYTES, type FsTree, PG_ROWS, type PgFixture } from './fixtures.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const OFFICIAL_FS = join(ROOT, 'node_modules/@modelcontextprotocol/server-filesystem/dist/index.js');
const OFFICIAL_PG = join(ROOT, 'node_modules/@modelcontextprotocol/server-postgres/dist/index.js');
/** Node arguments that run the mcplex CLI: the compiled one (the bench builds first). */
export const COMPILED_CLI = [join(ROOT, 'dist/cli/main.js')];

/** One call; resolves when the reply checks out, throws otherwise. */
export type Op = (client: Client) => Promise<void>;

export interface TaskDef {
  name: string;
  ours: Op;
  official: Op;
}

export interface SuiteDef {
  name: string;
  /** Node arguments of each server's child process. */
  ours: string[];
  official: string[];
  tasks: TaskDef[];
}

type ToolResult = { content?: Array<{ text?: string }>; isError?: boolean; structuredContent?: Record<string, unknown> };

async function tool(client: Client, name: string, args: Record<string, unknown>): Promise<ToolResult> {
  const r = (await client.callTool({ name, arguments: args })) as ToolResult;
  const text = (r.content ?? []).map((c) => c.text ?? '').join('');
  if (r.isError) throw new Error(`${name}: ${text.slice(0, 200)}`);
  return r;
}

/** A tool call whose text must contain `expect` (or be at least `minLength` long). */
function call(name: string, args: Record<string, unknown>, check: { contains?: string; minLength?: number }): Op {
  return async (client) => {
    const r = await tool(client, name, args);
    const text = (r.content ?? []).map((c) => c.text ?? '').join('');
    if (check.contains !== undefined && !text.includes(check.contains)) throw new Error(`${name}: reply lacks ${JSON.stringify(check.contains)}`);
    if (check.minLength !== undefined && text.length < check.minLength) throw new Error(`${name}: reply has ${text.length} characters, expected ${check.minLength}`);
  };
}

export function filesystemSuite(fx: FsTree, cli: string[] = COMPILED_CLI): SuiteDef {
  const glob = { path: fx.tree, pattern: '**/*.md' };
  return {
    name: 'filesystem',
    ours: [...cli, 'server', 'filesystem', '--root', fx.root],
    official: [OFFICIAL_FS, fx.root],
    tasks: [
      { name: 'read small file', ours: call('read_file', { path: fx.small }, { contains: 'hello world' }), official: call('read_text_file', { path: fx.small }, { contains: 'hello world' }) },
      { name: 'list directory (30 entries)', ours: call('list_directory', { path: fx.listDir }, { contains: 'file-29.txt' }), official: call('list_directory', { path: fx.listDir }, { contains: 'file-29.txt' }) },
      { name: 'glob **/*.md (100 files)', ours: call('search_files', glob, { contains: 'note-8.md' }), official: call('search_files', glob, { contains: 'note-8.md' }) },
      { name: 'read 1 MB file', ours: call('read_file', { path: fx.big }, { minLength: BIG_BYTES }), official: call('read_text_file', { path: fx.big }, { minLength: BIG_BYTES }) },
    ],
  };
}

export function postgresSuite(fx: PgFixture, cli: string[] = COMPILED_CLI): SuiteDef {
  const sql = `SELECT id, name, price FROM ${fx.schema}.items WHERE id <= 20 ORDER BY id`;
  return {
    name: 'postgres',
    ours: [...cli, 'server', 'sql', '--database', fx.readerUrl, '--schema', fx.schema],
    // Same SELECT-only login for both, so both do the same work in the database.
    official: [OFFICIAL_PG, fx.readerUrl],
    tasks: [
      {
        // The official server lists tables as resources (of schema public), ours has a tool (of its schema).
        name: 'list tables',
        ours: call('list_tables', {}, { contains: 'items' }),
        official: async (client) => {
          await client.listResources();
        },
      },
      {
        name: `SELECT 20 of ${PG_ROWS} rows`,
        ours: async (client) => {
          const rows = (await tool(client, 'query', { sql })).structuredContent?.rows;
          if (!Array.isArray(rows) || rows.length !== 20) throw new Error(`query: expected 20 rows, got ${JSON.stringify(rows)?.slice(0, 200)}`);
        },
        official: call('query', { sql }, { contains: 'item 20' }),
      },
    ],
  };
}
