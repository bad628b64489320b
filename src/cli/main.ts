#!/usr/bin/env node
// The mcplex command line: `serve` runs the gateway; `demo` serves a bundled demo server over stdio.
import { Command, InvalidArgumentError } from 'commander';
import { VERSION } from '../core/index.js';
import { bundledServers } from '../servers/index.js';
import { newKeyText } from './keys.js';
import { registerAdminCommands } from './admin.js';
import { registerAuditCommands } from './audit.js';
import { registerOAuthCommands } from './oauth-command.js';
import { check } from './check.js';
import { registerClientCommands } from './client.js';
import { ExitError } from './config-file.js';
import { serve } from './serve.js';
import { registerServerCommand } from './server-command.js';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('expected a port number 0-65535');
  return n;
}

const program = new Command('mcplex').description('Production toolkit for the Model Context Protocol').version(VERSION);

program
  .command('serve')
  .description('Run the gateway: many MCP servers behind one endpoint (Streamable HTTP on 127.0.0.1 by default)')
  .option('-c, --config <file>', 'gateway config (YAML or JSON); default: the embedded mcplex.example.yaml')
  .option('--port <port>', 'override listen.port (env PORT is used by the default config)', port)
  .option('--host <host>', 'override listen.host')
  .option('--stdio', 'serve the gateway over stdio instead of HTTP (for desktop clients that spawn it)')
  .option('--endpoint <name>', 'with --stdio: serve what this endpoint (endpoints: in the config) shows')
  .option('--watch', 'reload when the config file changes (SIGHUP always reloads)')
  .option('--insecure', 'allow listening on a non-loopback address without authentication (e.g. behind an authenticating proxy)')
  .action((opts) => serve(opts));

program
  .command('keys')
  .description('API keys for the gateway (auth.apiKeys)')
  .command('new')
  .description('Make an API key: prints the key once and the config snippet with its hash')
  .option('--id <id>', 'principal id the key stands for', 'client')
  .option('--tenant <tenant>', "the principal's tenant")
  .option('--scopes <scopes>', 'comma-separated scopes (e.g. mcplex:admin)')
  .action((opts) => {
    process.stdout.write(`${newKeyText(opts)}\n`);
  });

program
  .command('demo')
  .description(`Serve a bundled demo server over stdio: ${Object.keys(bundledServers).join(', ')}`)
  .argument('<name>', 'which server')
  .action((name: string) => {
    const make = bundledServers[name];
    if (!make) throw new InvalidArgumentError(`unknown demo server '${name}'; choose one of ${Object.keys(bundledServers).join(', ')}`);
    const server = make();
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
  .action(async (opts) => {
    process.exitCode = await check(opts);
  });

registerClientCommands(program);
registerAdminCommands(program);
registerAuditCommands(program);
registerOAuthCommands(program);
registerServerCommand(program, port);

program.parseAsync().catch((err: Error) => {
  process.stderr.write(`mcplex: ${err.message}\n`);
  process.exit(err instanceof ExitError ? err.code : 1);
});
