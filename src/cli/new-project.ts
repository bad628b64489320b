// `mcplex new <dir>`: a new MCP server project built with mcplex (project-files.ts), in a directory that does not
// exist yet or is empty; prints what to run next. Installs nothing: `npm install` is the first step it prints.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { VERSION } from '../core/index.js';
import { ExitError } from './exit-error.js';
import { type ProjectVersions, projectFiles } from './project-files.js';

export interface NewProjectOptions {
  name?: string;
  /** Where the project installs mcplex from (an npm spec: `file:../mcplex-0.1.0.tgz`); default `^<this version>`. */
  mcplex?: string;
}

/** An npm package name a project may take: lower case, unscoped or scoped, at most 214 characters. */
const PACKAGE_NAME = /^(?:@[a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]*$/;

/** The versions of what the project uses: the ones this mcplex was built and tested with (its package.json). */
function versions(mcplex: string): ProjectVersions {
  const own = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { dependencies: Record<string, string>; devDependencies?: Record<string, string> };
  const all = { ...own.devDependencies, ...own.dependencies };
  const of = (pkg: string) => (all[pkg] ?? '').replace(/^[\^~]/, '') || 'latest';
  return { mcplex, zod: of('zod'), typescript: of('typescript'), tsx: of('tsx'), vitest: of('vitest'), typesNode: of('@types/node') };
}

/** Writes the project; returns what to tell the person. */
export function newProject(dirArg: string, opts: NewProjectOptions = {}): string {
  const dir = resolve(dirArg);
  const name = opts.name ?? basename(dir).toLowerCase();
  if (name.length > 214 || !PACKAGE_NAME.test(name)) {
    throw new ExitError(`'${name}' is not a package name: lower-case letters, digits, '-', '.' or '_' (optionally @scope/name); give one with --name`, 2);
  }
  if (existsSync(dir) && readdirSync(dir).length > 0) throw new ExitError(`${dir} exists and is not empty; name a new directory`, 2);
  // A relative `file:` spec is said from here; npm reads it from the project's directory.
  const local = opts.mcplex?.startsWith('file:') ? opts.mcplex.slice(5) : undefined;
  const mcplex = local !== undefined && !isAbsolute(local) ? `file:${resolve(local)}` : (opts.mcplex ?? `^${VERSION}`);
  const files = projectFiles(name, dir, versions(mcplex));
  for (const [path, text] of Object.entries(files)) {
    const to = join(dir, path);
    mkdirSync(dirname(to), { recursive: true });
    writeFileSync(to, text, { flag: 'wx' });
  }
  const near = relative(process.cwd(), dir);
  const cd = near.startsWith('..') ? dir : near || '.';
  return [
    `Created ${name} in ${dir}: ${Object.keys(files).join(', ')}`,
    '',
    ...(cd === '.' ? [] : [`  cd ${cd.includes(' ') ? JSON.stringify(cd) : cd}`]),
    '  npm install',
    '  npm test        # its tools through the SDK client, in both protocol eras',
    '  npm run dev     # serve it over stdio (PORT=3000 npm run dev: HTTP)',
    '',
    'README.md says how to add it to a desktop client or put it behind the gateway.',
  ].join('\n');
}
