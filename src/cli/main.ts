#!/usr/bin/env node
// The mcplex command line. `serve` runs the demo server over Streamable HTTP (or stdio) until the gateway lands.
import { Command, InvalidArgumentError } from 'commander';
import { createDemoServer } from '../servers/demo.js';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('expected a port number 0-65535');
  return n;
}

const program = new Command('mcplex').description('Production toolkit for the Model Context Protocol').version('0.1.0');

program
  .command('serve')
  .description('Serve the demo MCP server (Streamable HTTP on 127.0.0.1 by default)')
  .option('--port <port>', 'port to listen on (env PORT)', port, process.env.PORT ? port(process.env.PORT) : 7333)
  .option('--host <host>', 'interface to bind', '127.0.0.1')
  .option('--stdio', 'serve over stdio instead of HTTP')
  .action(async (opts: { port: number; host: string; stdio?: boolean }) => {
    const server = createDemoServer();
    const handle = opts.stdio ? server.serveStdio() : await server.serveHttp({ host: opts.host, port: opts.port });
    if ('url' in handle) process.stdout.write(`mcplex demo server listening on ${handle.url}\n`);
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      server.logger.info({ signal }, 'shutting down');
      handle.close().then(
        () => process.exit(0),
        (err) => {
          server.logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });

program.parseAsync().catch((err: Error) => {
  process.stderr.write(`mcplex: ${err.message}\n`);
  process.exit(1);
});
