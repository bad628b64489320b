// What every `mcplex` command shares about the gateway file: the embedded default, loading a file (a config error
// exits 2 naming the key and the fix; `--secrets` variables for its `${VAR}`), and the command that runs this very
// CLI (`command: mcplex` in a config).
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseEnv } from 'node:util';
import { ConfigError } from '../core/index.js';
import type { GatewayConfig } from '../gateway/config/index.js';
import { ExitError } from './exit-error.js';

/** The config `npm start` runs, and every command's default. */
export const EMBEDDED_CONFIG = fileURLToPath(new URL('../../mcplex.example.yaml', import.meta.url));

/**
 * Where the config's `${VAR}` values come from: the variables of each `--secrets` file (NAME=value lines, dotenv; a
 * later file wins), the process environment winning over them all, as with `node --env-file` (a name Node 20 takes
 * for itself wherever it stands on the command line). Not put in the environment: a server the gateway starts gets
 * only what its config gives it. Undefined without files (the environment alone).
 */
export function configEnv(files: readonly string[] = []): NodeJS.ProcessEnv | undefined {
  if (files.length === 0) return undefined;
  const vars: Record<string, string> = {};
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ExitError(`--secrets ${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); give a file of NAME=value lines`, 2);
    }
    warnIfShared(file);
    Object.assign(vars, parseEnv(text));
  }
  return { ...vars, ...process.env };
}

/** Secrets files already warned of (a reload reads them again). */
const warned = new Set<string>();

/** Says so (on stderr, once) when a secrets file others may read: its group's or everyone's read bit (as ssh does for keys). */
function warnIfShared(file: string): void {
  if (process.platform === 'win32' || warned.has(file)) return;
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o044) === 0) return;
  warned.add(file);
  process.stderr.write(`mcplex: warning: --secrets ${file} can be read by other users (mode ${mode.toString(8)}); chmod 600 ${file}\n`);
}

/** The gateway file at `path` (default the embedded one); a config error becomes an ExitError with code 2. */
export async function loadOrExit(path = EMBEDDED_CONFIG, secrets?: readonly string[]): Promise<GatewayConfig> {
  // Loaded when a command reads a config (the schema is most of the gateway): `mcplex admin` never does.
  const { loadConfig } = await import('../gateway/config/index.js');
  try {
    return await loadConfig(path, configEnv(secrets));
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
