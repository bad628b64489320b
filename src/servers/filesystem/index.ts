// The filesystem reference server: safe file access for an MCP client under one or more root directories,
// read-only when configured, with file:// resources and subscriptions. `mcplex server filesystem --root ./data`.
import { VERSION } from '../../core/index.js';
import { type CreateServerOptions, createServer, type McplexServer } from '../../server/index.js';
import { type FsEnv, fsErrors } from './context.js';
import { type FilesystemOptions, filesystemDefaults } from './options.js';
import { registerReadTools } from './read-tools.js';
import { registerFileResources } from './resources.js';
import { onDispose } from '../lifecycle.js';
import { Sandbox } from './sandbox.js';
import { registerSearch } from './search.js';
import { FileWatches } from './watch.js';
import { registerWriteTools } from './write-tools.js';

export type { FilesystemOptions } from './options.js';

export function createFilesystemServer(options: FilesystemOptions, serverOpts: Partial<CreateServerOptions> = {}): McplexServer {
  const opts = filesystemDefaults(options);
  const env: FsEnv = { sandbox: new Sandbox(opts.roots), opts };
  const server = createServer({
    name: 'mcplex-filesystem',
    version: VERSION,
    instructions: `File access under ${env.sandbox.roots.join(', ')}${opts.readOnly ? ' (read-only)' : ''}. Call list_allowed_roots first.`,
    ...serverOpts,
  });
  const watches = new FileWatches(server, env);
  onDispose(server, () => watches.close());
  server.use(fsErrors, watches.middleware);
  registerReadTools(server, env);
  registerSearch(server, env);
  if (!opts.readOnly) registerWriteTools(server, env, (file) => watches.changed(file));
  registerFileResources(server, env);
  return server;
}
