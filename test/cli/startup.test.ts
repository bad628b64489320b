// What `mcplex` loads before it runs a command: those that need nothing of the gateway (`admin`, `audit --url`,
// `keys new`, `new`, `--version`) load none of it (its config schema, the MCP SDK, Redis, OpenTelemetry), so they start in a fraction of
// the time `serve` takes. Each module a real `mcplex` process (built, or from source) loads is recorded by a module hook.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { GROUP_WORDS } from '../../src/cli/command-groups.js';
import { runCli } from '../gateway/fixtures/cli.js';
import { killStarted } from '../helpers/process.js';

afterAll(killStarted);

const HOOK = new URL('./fixtures/record-imports.mjs', import.meta.url).href;
const dir = mkdtempSync(join(tmpdir(), 'mcplex-startup-'));
let runs = 0;

/** Runs `mcplex args…`; the URLs of the modules it loaded. */
async function loaded(args: string[]): Promise<{ code: number | null; modules: string[] }> {
  const file = join(dir, `imports-${++runs}.txt`);
  const cli = runCli(args, { MCPLEX_RECORD_IMPORTS: file, NODE_OPTIONS: `--import ${HOOK}`, MCPLEX_LOG_LEVEL: 'warn' });
  const { code } = await cli.exited(60_000);
  return { code, modules: readFileSync(file, 'utf8').trim().split('\n') };
}

/** Whether any loaded module is under `part` (a path in the package, or a dependency's name). */
const any = (modules: string[], part: RegExp) => modules.filter((m) => part.test(m));
const GATEWAY = /\/(src|dist)\/(gateway|client\/(?!open-browser)|server|middleware\/(?!auth)|stores\/(redis|postgres|sqlite))\//;
const HEAVY = /\/node_modules\/(@modelcontextprotocol|ioredis|@opentelemetry|zod|pg|better-sqlite3)\//;

describe('mcplex loads what the command needs', () => {
  it('admin and audit --url: nothing of the gateway, the SDK, Redis or OpenTelemetry', async () => {
    for (const args of [
      ['admin', 'status', '--url', 'http://127.0.0.1:1'],
      ['admin', 'oauth', 'list', '--url', 'http://127.0.0.1:1'],
      ['audit', 'query', '--url', 'http://127.0.0.1:1'],
    ]) {
      const { code, modules } = await loaded(args);
      expect(code).toBe(1); // nobody there: said and exit 1
      expect(modules.some((m) => /\/(src\/cli\/main\.ts|dist\/cli\/main\.js)$/.test(m))).toBe(true);
      expect([args.join(' '), any(modules, GATEWAY), any(modules, HEAVY)]).toEqual([args.join(' '), [], []]);
    }
  }, 120_000);

  it('keys new, new and --version: not the gateway; check: the gateway config (the recording sees it)', async () => {
    const keys = await loaded(['keys', 'new', '--id', 'x']);
    expect(keys.code).toBe(0);
    expect(any(keys.modules, GATEWAY)).toEqual([]);
    const created = await loaded(['new', join(dir, 'project')]);
    expect(created.code).toBe(0);
    expect([any(created.modules, GATEWAY), any(created.modules, HEAVY)]).toEqual([[], []]);
    const version = await loaded(['--version']);
    expect(version.code).toBe(0);
    expect([any(version.modules, GATEWAY), any(version.modules, HEAVY), any(version.modules, /\/(src|dist)\/cli\/(?!main|exit-error|command-groups)/)]).toEqual([[], [], []]);
    const check = await loaded(['check']);
    expect(check.code).toBe(0);
    expect(any(check.modules, /\/(src|dist)\/gateway\/config\//).length).toBeGreaterThan(0);
  }, 120_000);
});

describe('the words main.ts loads each group of commands by', () => {
  it('are the commands the group defines', async () => {
    const registers: Record<keyof typeof GROUP_WORDS, (program: Command) => void | Promise<void>> = {
      client: (await import('../../src/cli/client.js')).registerClientCommands,
      admin: (await import('../../src/cli/admin.js')).registerAdminCommands,
      audit: (await import('../../src/cli/audit.js')).registerAuditCommands,
      oauth: (await import('../../src/cli/oauth-command.js')).registerOAuthCommands,
      server: (program) => import('../../src/cli/server-command.js').then((m) => m.registerServerCommand(program, Number)),
    };
    for (const [group, register] of Object.entries(registers)) {
      const program = new Command();
      await register(program);
      expect([group, program.commands.map((c) => c.name())]).toEqual([group, [...GROUP_WORDS[group as keyof typeof GROUP_WORDS]]]);
    }
  });
});
