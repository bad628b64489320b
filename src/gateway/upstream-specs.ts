// Maps a configured server onto the client layer's UpstreamSpec. A `command` named in `aliases` (the CLI maps
// `mcplex` to its own entry point) is replaced by that command line, whatever PATH says; URL user-info becomes a header.
import { moveUrlCredentials, type UpstreamSpec } from '../client/upstream-spec.js';
import { type Logger, silentLogger } from '../core/index.js';
import { builtinSpec } from './builtin-servers.js';
import type { ServerConfig } from './config/index.js';

/** Command names that stand for a fixed command line, e.g. `mcplex` → this installation's own CLI. */
export type CommandAliases = Record<string, { command: string; args: string[] }>;

export function toUpstreamSpec(c: ServerConfig, aliases: CommandAliases = {}, logger: Logger = silentLogger): UpstreamSpec {
  const common = { name: c.name, timeoutMs: c.timeoutMs, connectTimeoutMs: c.connectTimeoutMs, ...(c.protocol !== undefined && { protocol: c.protocol }) };
  if (c.transport === 'builtin') return builtinSpec(c, common, logger);
  const spec = { ...common, ...(c.maxMessageBytes !== undefined && { maxMessageBytes: c.maxMessageBytes }) };
  if (c.transport !== 'stdio') return { ...spec, transport: c.transport, ...moveUrlCredentials(c.url, c.headers) };
  const alias = Object.hasOwn(aliases, c.command) ? aliases[c.command] : undefined;
  return {
    ...spec,
    transport: 'stdio',
    command: alias?.command ?? c.command,
    args: alias ? [...alias.args, ...c.args] : c.args,
    env: c.env,
    ...(c.cwd && { cwd: c.cwd }),
  };
}
