// `mcplex server <filesystem|sql|openapi>`: runs one reference server on its own, over stdio (default) or
// Streamable HTTP (`--http`), with the same options the gateway's `builtin:` entries take.
import { type Command, InvalidArgumentError } from 'commander';
import type { McplexServer } from '../server/index.js';
import { disposeServer } from '../servers/lifecycle.js';

interface ServerCliOptions {
  root?: string[];
  database?: string;
  seed?: string;
  schema?: string;
  spec?: string;
  baseUrl?: string;
  allowPrivateNetwork?: boolean;
  bearerEnv?: string;
  write?: boolean;
  http?: boolean;
  port?: number;
  host?: string;
}

// Each server's code loads only when that server is run (every `mcplex` process starts through this CLI).
const KINDS: Record<string, (o: ServerCliOptions) => Promise<McplexServer>> = {
  filesystem: async (o) => {
    if (!o.root?.length) throw new InvalidArgumentError('the filesystem server needs --root <dir> (repeat it for several roots)');
    const { createFilesystemServer } = await import('../servers/filesystem/index.js');
    return createFilesystemServer({ roots: o.root, readOnly: !o.write });
  },
  sql: async (o) => {
    const database = o.database ?? process.env.DATABASE_URL;
    if (!database) throw new InvalidArgumentError('the sql server needs --database <postgres://… | file.db | :memory:> (or DATABASE_URL)');
    const { createSqlServer } = await import('../servers/sql/index.js');
    return createSqlServer({ database, readOnly: !o.write, ...(o.seed && { seed: o.seed }), ...(o.schema && { schema: o.schema }) });
  },
  openapi: async (o) => {
    if (!o.spec) throw new InvalidArgumentError('the openapi server needs --spec <file|url> (an OpenAPI 3.x document)');
    const { createOpenApiServer } = await import('../servers/openapi/index.js');
    return createOpenApiServer({
      spec: o.spec,
      ...(o.baseUrl && { baseUrl: o.baseUrl }),
      ...(o.allowPrivateNetwork && { allowPrivateNetwork: true }),
      ...(o.bearerEnv && { auth: { type: 'bearer', env: o.bearerEnv } }),
    });
  },
};

export function registerServerCommand(program: Command, port: (v: string) => number): void {
  program
    .command('server')
    .description(`Run a reference server on its own (stdio by default): ${Object.keys(KINDS).join(', ')}`)
    .argument('<kind>', 'which server')
    .option('--root <dir...>', 'filesystem: an allowed directory (repeatable)')
    .option('--database <url|file>', 'sql: postgres:// URL, SQLite file or :memory: (default: DATABASE_URL)')
    .option('--seed <file.sql>', 'sql: script that fills :memory: or creates a missing SQLite file')
    .option('--schema <name>', 'sql: PostgreSQL schema to expose (default public)')
    .option('--spec <file|url>', 'openapi: the OpenAPI 3.x document')
    .option('--base-url <url>', "openapi: where requests go (default: the document's servers[0])")
    .option('--allow-private-network', 'openapi: allow loopback/private targets (off: SSRF guard)')
    .option('--bearer-env <VAR>', 'openapi: send Authorization: Bearer $VAR')
    .option('--write', 'allow writes (read-only by default)')
    .option('--http', 'serve Streamable HTTP instead of stdio')
    .option('--port <port>', 'HTTP port (default 0: any free port)', port)
    .option('--host <host>', 'HTTP host (default 127.0.0.1)')
    .action(async (kind: string, o: ServerCliOptions) => {
      const make = KINDS[kind];
      if (!make) throw new InvalidArgumentError(`unknown server '${kind}'; choose one of ${Object.keys(KINDS).join(', ')}`);
      let server: McplexServer;
      try {
        server = await make(o);
      } catch (err) {
        throw new InvalidArgumentError((err as Error).message);
      }
      let handle: { close(): Promise<void> };
      if (o.http) {
        const http = await server.serveHttp({ port: o.port ?? 0, ...(o.host && { host: o.host }) });
        process.stdout.write(`mcplex ${kind} server listening on ${http.url}\n`);
        handle = http;
      } else {
        handle = server.serveStdio();
        process.stdin.once('end', () => stop());
      }
      const stop = () =>
        handle
          .close()
          .then(() => disposeServer(server))
          .then(() => process.exit(0));
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
    });
}
