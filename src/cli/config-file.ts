// What every `mcplex` command shares about the gateway file: the embedded default, loading a file (a config error
// exits 2 naming the key and the fix), and the command that runs this very CLI (`command: mcplex` in a config).
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../core/index.js';
import type { GatewayConfig } from '../gateway/config/index.js';
import { ExitError } from './exit-error.js';

/** The config `npm start` runs, and every command's default. */
export const EMBEDDED_CONFIG = fileURLToPath(new URL('../../mcplex.example.yaml', import.meta.url));

/** The gateway file at `path` (default the embedded one); a config error becomes an ExitError with code 2. */
export async function loadOrExit(path = EMBEDDED_CONFIG): Promise<GatewayConfig> {
  // Loaded when a command reads a config (the schema is most of the gateway): `mcplex admin` never does.
  const { loadConfig } = await import('../gateway/config/index.js');
  try {
    return await loadConfig(path);
  } catch (err) {
    // main.ts prefixes `mcplex: ` when it prints an ExitError; formatConfigError would add a second one.
    if (err instanceof ConfigError) throw new ExitError(err.message, 2);
    throw err;
  }
}

/** How to run this CLI again (`command: mcplex` in a config: the bundled demo servers), from source or dist. */
export const selfCommand = () => ({
  command: process.execPath,
  args: [...process.execArgv, fileURLToPath(new URL(`./main.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url))],
});
