#!/usr/bin/env node
// The mcplex command line: `serve` runs the gateway; `new` creates a server project; `import` gathers clients'
// servers into a gateway file; `demo` serves a bundled demo server over stdio; the client, admin, audit, oauth and
// server commands. What a command runs is loaded when it runs, and a group of commands defined in its own module only
// when named (all of them for help), so `mcplex admin …` starts without loading the gateway.
import { Command, InvalidArgumentError } from 'commander';
import { VERSION } from '../core/index.js';
import { bundledServers } from '../servers/index.js';
import { GROUP_WORDS } from './command-groups.js';
import { ExitError } from './exit-error.js';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('expected a port number 0-65535');
  return n;
}

/** `--secrets <file|dir>`, repeatable: where the config's `${VAR}` values come from besides the environment. */
const SECRETS_OPTION = [
  '--secrets <file|dir>',
  `NAME=value lines (dotenv), or a directory of one file per variable (/run/secrets, a Kubernetes Secret volume), the config's \${VAR} values come from, the environment winning; repeatable`,
  (file: string, files: string[] = []) => [...files, file],
] as const;

const program = new Command('mcplex').description('Production toolkit for the Model Context Protocol').version(VERSION);

program
  .command('serve')
  .description('Run the gateway: many MCP servers behind one endpoint (Streamable HTTP on 127.0.0.1 by default)')
  .option('-c, --config <file>', 'gateway config (YAML or JSON); default: the embedded mcplex.example.yaml')
  .option('--port <port>', 'override listen.port (env PORT is used by the default config)', port)
  .option('--host <host>', 'override listen.host')
  .option('--stdio', 'serve the gateway over stdio instead of HTTP (for desktop clients that spawn it)')
  .option('--endpoint <name>', 'with --stdio: serve what this endpoint (endpoints: in the config) shows')
  .option('--watch', "reload when the config file or a server's envFile changes (SIGHUP always reloads)")
  .option('--insecure', 'allow listening on a non-loopback address without authentication (e.g. behind an authenticating proxy)')
  .option(...SECRETS_OPTION)
  .action(async (opts) => (await import('./serve.js')).serve(opts));

program
  .command('keys')
  .description('API keys for the gateway (auth.apiKeys)')
  .command('new')
  .description('Make an API key: prints the key once and the config snippet with its hash')
  .option('--id <id>', 'principal id the key stands for', 'client')
  .option('--tenant <tenant>', "the principal's tenant")
  .option('--scopes <scopes>', 'comma-separated scopes (e.g. mcplex:admin)')
  .action(async (opts) => {
    process.stdout.write(`${(await import('./keys.js')).newKeyText(opts)}\n`);
  });

program
  .command('new')
  .description('Create an MCP server project built with mcplex: a tool, its tests, stdio and HTTP entry, README')
  .argument('<dir>', 'where (a directory that does not exist yet, or is empty)')
  .option('--name <name>', "the package's name (default: the directory's)")
  .option('--mcplex <spec>', 'where the project installs mcplex from, as npm takes it (e.g. file:../mcplex-0.1.0.tgz from `npm pack`); default ^<this version>')
  .action(async (dir: string, opts) => {
    process.stdout.write(`${(await import('./new-project.js')).newProject(dir, opts)}\n`);
  });

program
  .command('import')
  .description('Gather the MCP servers of desktop clients and editors (Claude Desktop, Claude Code, Cursor, VS Code, Windsurf, Gemini CLI, Copilot CLI, Codex, opencode, Kiro, Cline, Roo Code, Kilo Code, Zed, Continue) into one gateway file')
  .argument('[sources...]', 'client config files, or client names (claude-desktop, claude-code, cursor, vscode, windsurf, gemini, copilot, codex, opencode, kiro, cline, roo, kilo, zed, continue); default: every one found')
  .option('-o, --output <file>', 'the gateway file to write (- prints it)', 'mcplex.yaml')
  .option('--force', 'replace the output file if it exists')
  .option('--replace', "point each client at the gateway: the imported servers taken out of its file (kept as <file>.mcplex-backup), the gateway put in")
  .option('--secrets-to <file>', `move the credentials the clients wrote as text to this file (NAME=value lines, \${NAME} in their place); serve it with --secrets`)
  .action(async (sources: string[], opts) => {
    const { report, code } = await (await import('./import-command.js')).importClients(sources, opts);
    if (report) process.stdout.write(`${report}\n`);
    process.exitCode = code;
  });

program
  .command('demo')
  .description(`Serve a bundled demo server over stdio: ${Object.keys(bundledServers).join(', ')}`)
  .argument('<name>', 'which server')
  .action(async (name: string) => {
    const make = bundledServers[name];
    if (!make) throw new InvalidArgumentError(`unknown demo server '${name}'; choose one of ${Object.keys(bundledServers).join(', ')}`);
    const server = await make();
    const handle = server.serveStdio();
    const stop = () => handle.close().then(() => process.exit(0));
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });

program
  .command('check')
  .description('Check a gateway config (exit 2 naming the key and the fix); with --connect, start each server once and report it (exit 1 if one does not come up)')
  .option('-c, --config <file>', 'gateway config (YAML or JSON); default: the embedded mcplex.example.yaml')
  .option('--connect', 'start every enabled server, report what it exposes (or why it is down), and stop them')
  .option('--json', 'print the report as JSON')
  .option('--show', 'print the config as the gateway reads it (variables filled in, defaults added, secrets taken out) and its version')
  .option(...SECRETS_OPTION)
  .option('--strict', `exit 1 when the file holds credentials written as text (tokens, passwords: name them as \${VAR} or use envFile)`)
  .action(async (opts) => {
    process.exitCode = await (await import('./check.js')).check(opts);
  });

/** The groups of commands defined in their own modules, by the words that name them. */
const GROUPS: Array<[names: readonly string[], register: () => Promise<void>]> = [
  [GROUP_WORDS.client, async () => (await import('./client.js')).registerClientCommands(program)],
  [GROUP_WORDS.admin, async () => (await import('./admin.js')).registerAdminCommands(program)],
  [GROUP_WORDS.audit, async () => (await import('./audit.js')).registerAuditCommands(program)],
  [GROUP_WORDS.oauth, async () => (await import('./oauth-command.js')).registerOAuthCommands(program)],
  [GROUP_WORDS.server, async () => (await import('./server-command.js')).registerServerCommand(program, port)],
];
const word = process.argv[2];
const named = GROUPS.find(([names]) => word !== undefined && names.includes(word));
const noGroup = word === '--version' || word === '-V' || program.commands.some((c) => c.name() === word);
// The one group named; none for a command defined here or the version; every group otherwise (help, a word that is
// no command).
for (const [, register] of named ? [named] : noGroup ? [] : GROUPS) await register();

program.parseAsync().catch((err: Error) => {
  process.stderr.write(`mcplex: ${err.message}\n`);
  process.exit(err instanceof ExitError ? err.code : 1);
});
