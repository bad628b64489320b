// Entry points: parse config text (syntax, then ${VAR} interpolation, then validation) or load it from a file
// whose extension says the format.
import { readFile } from 'node:fs/promises';
import { dirname, extname, resolve } from 'node:path';
import { ConfigError } from '../../core/errors.js';
import { resolveBuiltinPaths } from './builtin.js';
import { readEnvFiles } from './env-files.js';
import { ConfigInvalidError } from './errors.js';
import { interpolate } from './interpolate.js';
import { parseText } from './syntax.js';
import type { GatewayConfig } from './types.js';
import { validate } from './validate.js';

export interface ParseConfigOptions {
  format: 'yaml' | 'json';
  /** Where `${VAR}` values come from; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** The file name shown in error messages. */
  source?: string;
  /** Where a relative `envFile` starts: the config file's folder (loadConfig), else the current directory. */
  baseDir?: string;
}

/** Throws ConfigInvalidError listing every problem found. */
export function parseConfig(text: string, opts: ParseConfigOptions): GatewayConfig {
  const syntax = parseText(text, opts.format, opts.source);
  if (!syntax.ok) throw new ConfigInvalidError(syntax.issues, opts.source);
  const { tree, issues, failed } = interpolate(syntax.tree, opts.env ?? process.env);
  const result = validate(tree, issues, failed);
  if (!result.config) throw new ConfigInvalidError(result.issues, opts.source);
  const key = typeof tree === 'object' && tree !== null && 'mcpServers' in tree ? 'mcpServers' : 'servers';
  const unread = readEnvFiles(result.config, opts.baseDir ?? process.cwd(), key);
  if (unread.length > 0) throw new ConfigInvalidError(unread, opts.source);
  return result.config;
}

/** `.json` files are JSON; anything else (.yaml, .yml, or no extension) is read as YAML, a superset of JSON. */
export function formatOf(path: string): 'yaml' | 'json' {
  return extname(path).toLowerCase() === '.json' ? 'json' : 'yaml';
}

export async function loadConfig(path: string, env?: NodeJS.ProcessEnv): Promise<GatewayConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ConfigError('MCPLEX_ERR_CONFIG_NOT_FOUND', `config file not found: ${path}`);
    if (code === 'EISDIR') throw new ConfigError('MCPLEX_ERR_CONFIG_UNREADABLE', `cannot read config file ${path}: it is a directory`);
    throw new ConfigError('MCPLEX_ERR_CONFIG_UNREADABLE', `cannot read config file ${path}: ${code ?? (err as Error).message}`);
  }
  const baseDir = dirname(resolve(path));
  return resolveBuiltinPaths(parseConfig(text, { format: formatOf(path), ...(env && { env }), source: path, baseDir }), baseDir);
}
