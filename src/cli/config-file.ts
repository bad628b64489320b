// What every `mcplex` command shares about the gateway file: the embedded default, loading a file (a config error
// exits 2 naming the key and the fix; `--secrets` variables for its `${VAR}`, from files or directories), and the command that runs this very
// CLI (`command: mcplex` in a config).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEnv } from 'node:util';
import { ConfigError } from '../core/index.js';
import type { GatewayConfig } from '../gateway/config/index.js';
import { ExitError } from './exit-error.js';

/** The config `npm start` runs, and every command's default. */
export const EMBEDDED_CONFIG = fileURLToPath(new URL('../../mcplex.example.yaml', import.meta.url));

/**
 * Where the config's `${VAR}` values come from: the variables of each `--secrets` file (NAME=value lines, dotenv) or
 * directory (a file per variable: secretsDir), a later one winning, the process environment winning over them all, as
 * with `node --env-file` (a name Node 20 takes for itself wherever it stands on the command line). Not put in the
 * environment: a server the gateway starts gets only what its config gives it. Undefined without any (the
 * environment alone).
 */
export function configEnv(files: readonly string[] = []): NodeJS.ProcessEnv | undefined {
  if (files.length === 0) return undefined;
  const vars: Record<string, string> = {};
  const unreadable = (file: string, err: unknown) =>
    new ExitError(`--secrets ${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); give a file of NAME=value lines, or a directory of one file per variable`, 2);
  for (const file of files) {
    let text: string;
    try {
      if (statSync(file).isDirectory()) {
        Object.assign(vars, secretsDir(file));
        continue;
      }
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw err instanceof ExitError ? err : unreadable(file, err);
    }
    warnIfShared(file);
    Object.assign(vars, parseEnv(text));
  }
  return { ...vars, ...process.env };
}

/** The largest file a secrets directory's variable is read from. */
const MAX_SECRET_BYTES = 1024 * 1024;

/**
 * A directory of secrets, one file per variable, as Docker (`/run/secrets`) and a Kubernetes Secret volume lay them
 * out: the variable is the file's name (a `-` or `.` in it made `_`), its value the file's text without one trailing
 * line break. Names starting with `.` (the kubelet's `..data`) and directories are not variables; a file that is not
 * a variable name even so, or larger than 1 MiB, is passed over with a warning; two files of one variable (`a-b` beside
 * `a_b`) are warned of, the later in name order read. Not warned of as readable by others: both lay their files out so
 * (0444, 0644) for the one user of a container.
 */
function secretsDir(dir: string): Record<string, string> {
  const vars: Record<string, string> = {};
  const from = new Map<string, string>();
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('.')) continue;
    const path = join(dir, name);
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat?.isFile()) continue;
    const variable = name.replace(/[-.]/g, '_');
    const skip = !/^[A-Za-z_][A-Za-z0-9_]*$/.test(variable) ? 'is not a variable name (letters, digits, _, - and .)' : stat.size > MAX_SECRET_BYTES ? 'is larger than 1 MiB' : undefined;
    if (skip) {
      process.stderr.write(`mcplex: warning: --secrets ${dir}: ${name} ${skip}; not read\n`);
      continue;
    }
    const earlier = from.get(variable);
    if (earlier !== undefined) process.stderr.write(`mcplex: warning: --secrets ${dir}: ${earlier} and ${name} are both the variable ${variable}; ${name} is read\n`);
    from.set(variable, name);
    vars[variable] = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
  }
  return vars;
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
