// `mcplex import [file|client…]`: the MCP servers configured in desktop clients and editors (Claude Desktop, Claude
// Code, Cursor, VS Code, Windsurf, Gemini CLI, Copilot CLI, Codex, opencode, Kiro, Cline, Roo Code, Kilo Code, Zed,
// Continue; every place they keep them, or the files named) gathered into one gateway file, checked as `mcplex serve`
// would read it, and what to put in each client instead. Credentials the clients wrote as text are named, or moved to a file of
// their own (`--secrets-to`).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { stringify } from 'yaml';
import { CLIENTS, type ClientId, type ClientKind, knownPlaces, type Place, placeOf } from './client-configs.js';
import { readClientFile } from './client-files.js';
import { ExitError } from './exit-error.js';
import { entriesOf, type Imported, importServers } from './import-servers.js';
import { secretsOut } from './import-secrets.js';
import { type Pointed, pointClient } from './point-clients.js';

export interface ImportOptions {
  output: string;
  force?: boolean;
  /** Point each client at the gateway: its imported servers taken out of its file, the gateway put in. */
  replace?: boolean;
  /** Move the credentials written as text to this file of NAME=value lines, `${NAME}` in their place. */
  secretsTo?: string;
}

const GATEWAY_URL = 'http://127.0.0.1:7333/mcp';

/** The places to read: each argument a file or a client's id (all its places), or every known place. */
function placesFor(args: string[], cwd: string): Place[] {
  const known = knownPlaces(cwd);
  if (args.length === 0) return known.filter((p) => existsSync(p.path));
  const places = args.flatMap((arg) => {
    if (arg in CLIENTS) {
      const found = known.filter((p) => p.client.id === (arg as ClientId) && existsSync(p.path));
      if (found.length === 0) throw new ExitError(`no ${CLIENTS[arg as ClientId].label} configuration found (looked in ${known.filter((p) => p.client.id === arg).map((p) => p.path).join(', ')})`, 1);
      return found;
    }
    const path = resolve(cwd, arg);
    if (!existsSync(path)) throw new ExitError(`${arg}: no such file (give a client's config file, or one of ${Object.keys(CLIENTS).join(', ')})`, 2);
    return [placeOf(path, cwd)];
  });
  return [...new Map(places.map((p) => [p.path, p])).values()];
}

/** The gateway file: where each server came from, then `servers:`. */
function gatewayFile(imported: Imported): string {
  const from = imported.sources.filter((s) => s.names.length > 0).map((s) => `#   ${s.place.client.label}: ${s.place.path} (${s.names.join(', ')})`);
  return [`# Imported by \`mcplex import\` from:`, ...from, `# Check it: mcplex check -c <this file> --connect`, stringify({ servers: imported.servers }).trimEnd(), ''].join('\n');
}

/**
 * The config is checked as the gateway reads it, each variable it names taken from this environment, else the
 * secrets file (`moved`), else as a stand-in (a URL where a server's whole `url` is the variable).
 */
async function problems(text: string, imported: Imported, moved: ReadonlyMap<string, string>): Promise<string | undefined> {
  const { parseConfig } = await import('../gateway/config/index.js');
  const urls = new Set(Object.values(imported.servers).flatMap((e) => /^\$\{([A-Za-z_]\w*)\}$/.exec(String(e.url ?? ''))?.[1] ?? []));
  const env = Object.fromEntries([...imported.variables].map((v) => [v, process.env[v] ?? moved.get(v) ?? (urls.has(v) ? 'http://stand-in.invalid/mcp' : 'stand-in')]));
  try {
    parseConfig(text, { format: 'yaml', env });
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Imports; what to tell the person, and the exit code (1: the file was written but does not pass as `serve` reads it). */
export async function importClients(args: string[], opts: ImportOptions): Promise<{ report: string; code: number }> {
  const cwd = process.cwd();
  const places = placesFor(args, cwd);
  if (places.length === 0) throw new ExitError(`no client configuration found; looked in:\n  ${knownPlaces(cwd).map((p) => p.path).join('\n  ')}\nname a file: mcplex import path/to/mcp.json`, 1);
  if (opts.replace && opts.output === '-') throw new ExitError('--replace points the clients at a gateway file: give one with --output', 2);
  const read = (place: Place) => readClientFile(place.path, readFileSync(place.path, 'utf8'));
  const imported = importServers(
    places.map((place) => ({ place, entries: entriesOf(read(place), place.client, place.project) })),
    GATEWAY_URL,
  );
  const names = Object.keys(imported.servers);
  if (names.length === 0) throw new ExitError(`no servers in ${places.map((p) => p.path).join(', ')}`, 1);
  const toStdout = opts.output === '-';
  const output = resolve(cwd, opts.output);
  const secretsFile = opts.secretsTo === undefined ? undefined : resolve(cwd, opts.secretsTo);
  for (const [file, given, flag] of [[toStdout ? undefined : output, opts.output, '--output'], [secretsFile, opts.secretsTo, '--secrets-to']] as const) {
    if (file !== undefined && existsSync(file) && !opts.force) throw new ExitError(`${given} exists; give another ${flag}, or --force to replace it`, 2);
  }
  const { writtenSecretsWarning } = await import('../gateway/config/index.js');
  const { text, written, moved, secretsWritten } = await secretsOut(imported, () => gatewayFile(imported), secretsFile);
  // Written all the same (a client's own oddity is easier fixed in the file than in the client): said, exit 1.
  const invalid = await problems(text, imported, moved);
  // It may hold the clients' secrets (env and headers), as their files did: readable by its owner only.
  if (!toStdout) writeFileSync(output, text, { mode: 0o600 });
  const unset = [...imported.variables].filter((v) => process.env[v] === undefined && !moved.has(v)).sort();
  const clients = [...new Map(imported.sources.filter((s) => s.names.length > 0).map((s) => [s.place.client.id, s.place.client])).values()];
  const pointerOf = (client: ClientKind) => client.pointer(toStdout ? '<file>' : output, GATEWAY_URL, secretsWritten);
  const secretsFlag = secretsWritten ? ` --secrets ${opts.secretsTo}` : '';
  const pointed: Pointed[] = [];
  // One file at a time, in order (two places can be one file: Claude Code's user and project lists).
  if (opts.replace && !invalid) for (const s of imported.sources.filter((s) => s.originals.length > 0)) pointed.push(await pointClient(s.place, s.originals, pointerOf(s.place.client)));
  const report = [
    `${toStdout ? 'Read' : `Wrote ${opts.output}:`} ${names.length} server${names.length === 1 ? '' : 's'} (${names.join(', ')}) from ${imported.sources.filter((s) => s.names.length > 0).map((s) => `${s.place.client.label} (${s.place.path})`).join(', ')}`,
    ...(imported.notes.length > 0 ? ['', 'Notes:', ...imported.notes.map((n) => `  - ${n}`)] : []),
    ...(unset.length > 0 ? ['', `Set before serving (not set here): ${unset.join(', ')}`] : []),
    ...(invalid ? ['', `The file does not pass as the gateway reads it; fix it before serving: ${invalid}`] : []),
    // As the clients had them: fine in a file only you read; not in one you commit or share.
    ...(written.length > 0 ? ['', ...writtenSecretsWarning(written), '  (or import again with --secrets-to mcplex.env: they are moved there)'] : []),
    ...(secretsFile && moved.size === 0 ? ['', `No credential written as text: nothing moved to ${opts.secretsTo}`] : []),
    ...(moved.size > 0 ? ['', `Moved to ${opts.secretsTo} (readable by you only; \${NAME} in their place): ${[...moved.keys()].join(', ')}`] : []),
    '',
    `Check:  mcplex check -c ${opts.output === '-' ? '<file>' : opts.output}${secretsFlag} --connect`,
    `Serve:  mcplex serve -c ${opts.output === '-' ? '<file>' : opts.output}${secretsFlag}     (${GATEWAY_URL}; tools are named <server>__<tool>)`,
    '',
    ...(pointed.length > 0
      ? [
          'Pointed at the gateway (each file as it was kept beside it):',
          ...pointed.map((p) => `  ${p.place.client.label} (${p.place.path}): ${p.removed.join(', ')} out, mcplex in; was ${p.backup}`),
        ]
      : [
          ...(opts.replace ? ['Clients left as they were: the file must pass first.'] : []),
          'Then, in each client, replace these servers with the gateway (or run again with --force --replace):',
          ...clients.map((c) => `  ${c.label}: ${c.snippet ? c.snippet(pointerOf(c)) : JSON.stringify({ [c.key]: { mcplex: pointerOf(c) } })}`),
        ]),
  ].join('\n');
  if (toStdout) {
    process.stdout.write(text);
    process.stderr.write(`${report}\n`);
    return { report: '', code: invalid ? 1 : 0 };
  }
  return { report, code: invalid ? 1 : 0 };
}
