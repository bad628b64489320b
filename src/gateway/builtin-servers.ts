// Built-in upstreams: a `builtin:` server entry becomes an in-process upstream whose every connection is a fresh
// reference server linked by an in-memory transport (no child process). The client layer gets only the opener.
import { InMemoryTransport, type Transport } from '@modelcontextprotocol/client';
import type { InProcessUpstreamSpec } from '../client/upstream-spec.js';
import type { Logger } from '../core/index.js';
import type { McplexServer } from '../server/index.js';
import { disposeServer } from '../servers/lifecycle.js';
import type { OpenApiOptions } from '../servers/openapi/index.js';
import type { SqlOptions } from '../servers/sql/index.js';
import type { BuiltinServerConfig } from './config/builtin.js';

type Factory = (c: BuiltinServerConfig, logger: Logger) => McplexServer | Promise<McplexServer>;

// Each server's code (and its driver: SQLite, PostgreSQL, the OpenAPI parser) loads when one is first mounted.
const FACTORIES: Record<BuiltinServerConfig['builtin'], Factory> = {
  filesystem: async (c, logger) => {
    const { createFilesystemServer } = await import('../servers/filesystem/index.js');
    return createFilesystemServer(c.options as Parameters<typeof createFilesystemServer>[0], { logger });
  },
  sql: async (c, logger) => (await import('../servers/sql/index.js')).createSqlServer(c.options as SqlOptions, { logger }),
  openapi: async (c, logger) => (await import('../servers/openapi/index.js')).createOpenApiServer(c.options as OpenApiOptions, { logger }),
};

export function builtinSpec(c: BuiltinServerConfig, common: Omit<InProcessUpstreamSpec, 'transport' | 'builtin' | 'open'>, logger: Logger): InProcessUpstreamSpec {
  return {
    ...common,
    transport: 'builtin',
    builtin: { kind: c.builtin, options: c.options },
    async open(): Promise<Transport> {
      // A failure here (a missing root, an unreachable OpenAPI document) is a failed connect: health shows why.
      const server = await FACTORIES[c.builtin](c, logger.child({ builtin: c.name }));
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
      const handle = server.serveStdio({ transport: serverSide });
      const close = clientSide.close.bind(clientSide);
      clientSide.close = async () => {
        await close();
        await handle.close();
        await disposeServer(server);
      };
      return clientSide;
    },
  };
}
