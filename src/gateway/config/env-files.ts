// `servers.<name>.envFile`: a stdio server's variables from a file of NAME=value lines (the dotenv format VS Code and
// Docker read), so that secrets can stay out of the gateway file. Read whenever the config is read (start, reload,
// `mcplex check`); a variable `env` gives wins over the file's.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { formatIssue } from './errors.js';
import type { GatewayConfig } from './types.js';

/** Merges each server's env file into its `env` (the path made absolute); a problem per file that cannot be read. */
export function readEnvFiles(config: GatewayConfig, baseDir: string, key: 'servers' | 'mcpServers'): string[] {
  const issues: string[] = [];
  for (const s of Object.values(config.servers)) {
    if (s.transport !== 'stdio' || s.envFile === undefined) continue;
    const path = resolve(baseDir, s.envFile);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      issues.push(formatIssue({ path: [key, s.name, 'envFile'], message: `cannot read ${path} (${why}); give a file of NAME=value lines (a relative path starts at the config file's folder)` }));
      continue;
    }
    s.envFile = path;
    s.env = Object.assign(Object.create(null) as Record<string, string>, parseEnv(text), s.env);
  }
  return issues;
}
