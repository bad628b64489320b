// The error a bad configuration raises (every problem at once, each naming its dotted path),
// and how to render it for a terminal.
import { ConfigError } from '../../core/errors.js';

export type PathSegment = string | number;

/** One problem: where it is and what to do about it. Messages never include configured values. */
export interface Issue {
  path: PathSegment[];
  message: string;
}

const PLAIN_KEY = /^[A-Za-z0-9_-]+$/;

/** `servers.github.env.TOKEN`, `servers.x.args[0]`; keys that would read ambiguously are quoted. */
export function formatPath(path: readonly PathSegment[]): string {
  if (path.length === 0) return '(top level)';
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (PLAIN_KEY.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

export function formatIssue(issue: Issue): string {
  return `${formatPath(issue.path)}: ${issue.message}`;
}

/** Every problem found in one configuration; `issues` holds one line each, `source` the file (if any). */
export class ConfigInvalidError extends ConfigError {
  constructor(
    readonly issues: string[],
    readonly source?: string,
  ) {
    super('MCPLEX_ERR_CONFIG_INVALID', `invalid config${source ? ` ${source}` : ''}:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'ConfigInvalidError';
  }
}

/** What the CLI prints before exiting: `mcplex: invalid config <file>:` then one `  - issue` per line. */
export function formatConfigError(err: unknown): string {
  if (err instanceof ConfigInvalidError) return `mcplex: ${err.message}`;
  if (err instanceof Error) return `mcplex: ${err.message}`;
  return `mcplex: ${String(err)}`;
}
