// Maps a configured server onto the client layer's UpstreamSpec. `command: mcplex` means this installation's own
// CLI (how the embedded default config runs the demo servers shipped in the package), whatever PATH says.
import { fileURLToPath } from 'node:url';
import type { UpstreamSpec } from '../client/upstream-spec.js';
import type { ServerConfig } from './config/index.js';

const CLI_ENTRY = fileURLToPath(new URL(`../cli/main.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url));

export function toUpstreamSpec(c: ServerConfig): UpstreamSpec {
  const common = { name: c.name, timeoutMs: c.timeoutMs, connectTimeoutMs: c.connectTimeoutMs };
  if (c.transport !== 'stdio') return { ...common, transport: c.transport, url: c.url, headers: c.headers };
  const self = c.command === 'mcplex';
  return {
    ...common,
    transport: 'stdio',
    command: self ? process.execPath : c.command,
    args: self ? [...process.execArgv, CLI_ENTRY, ...c.args] : c.args,
    env: c.env,
    ...(c.cwd && { cwd: c.cwd }),
  };
}
