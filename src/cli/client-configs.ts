// Where MCP clients keep their server lists, and how each writes them: the key the servers are under, the variables
// its strings may hold, and how to point it at the gateway instead. `mcplex import` reads them.
import { readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify as stringifyToml } from 'smol-toml';
import { stringify as stringifyYaml } from 'yaml';

export type ClientId = 'claude-desktop' | 'claude-code' | 'cursor' | 'vscode' | 'windsurf' | 'gemini' | 'copilot' | 'codex' | 'opencode' | 'kiro' | 'cline' | 'roo' | 'kilo' | 'zed' | 'continue' | 'goose' | 'junie' | 'amazonq';

/** How a client's strings refer to variables (converted to the gateway's `${NAME}`). */
export type Variables = 'none' | 'env-prefixed' | 'plain' | 'shell' | 'continue' | 'opencode';

export interface ClientKind {
  readonly id: ClientId;
  readonly label: string;
  /** The servers' key: `mcpServers`, VS Code's `servers`, Zed's `context_servers`, Codex's `mcp_servers`, opencode's `mcp`, Goose's `extensions`. */
  readonly key: 'mcpServers' | 'servers' | 'context_servers' | 'mcp_servers' | 'mcp' | 'extensions';
  /**
   * `none`: no substitution (a `${` is literal); `env-prefixed`: `${env:NAME}`, `${workspaceFolder}`, `${userHome}`
   * (and VS Code's `${input:id}`); `plain`: `${NAME}` and `${NAME:-default}`, as the gateway's; `shell`: `$NAME` too (Gemini CLI, Copilot CLI); `continue`: `${{ secrets.NAME }}` (and `inputs.`); `opencode`: `{env:NAME}`.
   */
  readonly variables: Variables;
  /** The entry that reaches the gateway from this client, given the gateway file, its URL and the secrets file it reads (`--secrets`). */
  pointer(configFile: string, url: string, secrets?: string): Record<string, unknown>;
  /** How that entry is written in the client's file, to paste (default: `{ "<key>": { "mcplex": <entry> } }`). */
  snippet?(entry: Record<string, unknown>): string;
}

/**
 * The gateway over stdio, started by this very mcplex: node and the CLI by absolute path (a desktop app's PATH may
 * not hold `npx`, and the name `mcplex` on the registry is not this package).
 */
const STDIO_POINTER = (configFile: string, _url: string, secrets?: string) => ({
  command: process.execPath,
  args: [fileURLToPath(new URL('./main.js', import.meta.url)), 'serve', '--stdio', '-c', configFile, ...(secrets ? ['--secrets', secrets] : [])],
});

export const CLIENTS: Record<ClientId, ClientKind> = {
  'claude-desktop': { id: 'claude-desktop', label: 'Claude Desktop', key: 'mcpServers', variables: 'none', pointer: STDIO_POINTER },
  'claude-code': { id: 'claude-code', label: 'Claude Code', key: 'mcpServers', variables: 'plain', pointer: (_, url) => ({ type: 'http', url }) },
  cursor: { id: 'cursor', label: 'Cursor', key: 'mcpServers', variables: 'env-prefixed', pointer: (_, url) => ({ url }) },
  vscode: { id: 'vscode', label: 'VS Code', key: 'servers', variables: 'env-prefixed', pointer: (_, url) => ({ type: 'http', url }) },
  windsurf: { id: 'windsurf', label: 'Windsurf', key: 'mcpServers', variables: 'env-prefixed', pointer: (_, url) => ({ serverUrl: url }) },
  gemini: { id: 'gemini', label: 'Gemini CLI', key: 'mcpServers', variables: 'shell', pointer: (_, url) => ({ httpUrl: url }) },
  copilot: { id: 'copilot', label: 'Copilot CLI', key: 'mcpServers', variables: 'shell', pointer: (_, url) => ({ type: 'http', url, tools: ['*'] }) },
  // Codex (OpenAI): TOML tables `[mcp_servers.<name>]`; started over stdio, which every version of it speaks.
  codex: { id: 'codex', label: 'Codex', key: 'mcp_servers', variables: 'plain', pointer: STDIO_POINTER, snippet: (entry) => `\n    [mcp_servers.mcplex]\n${stringifyToml(entry).trimEnd().replace(/^/gm, '    ')}` },
  // opencode: `mcp.servers.<name>` (its v2 files) or `mcp.<name>` (v1), `command` a list, `environment` the variables.
  opencode: { id: 'opencode', label: 'opencode', key: 'mcp', variables: 'opencode', pointer: (_, url) => ({ type: 'remote', url }), snippet: (entry) => JSON.stringify({ mcp: { servers: { mcplex: entry } } }) },
  // Kiro (and its CLI, formerly Amazon Q Developer CLI).
  kiro: { id: 'kiro', label: 'Kiro', key: 'mcpServers', variables: 'plain', pointer: (_, url) => ({ url }) },
  cline: { id: 'cline', label: 'Cline', key: 'mcpServers', variables: 'none', pointer: STDIO_POINTER },
  roo: { id: 'roo', label: 'Roo Code', key: 'mcpServers', variables: 'none', pointer: STDIO_POINTER },
  kilo: { id: 'kilo', label: 'Kilo Code', key: 'mcpServers', variables: 'none', pointer: STDIO_POINTER },
  zed: { id: 'zed', label: 'Zed', key: 'context_servers', variables: 'none', pointer: STDIO_POINTER },
  // A list of entries, each with its `name` (YAML files; its `.continue/mcpServers/*.json` files are Claude Desktop's shape).
  continue: { id: 'continue', label: 'Continue', key: 'mcpServers', variables: 'continue', pointer: (_, url) => ({ name: 'mcplex', type: 'streamable-http', url }), snippet: (entry) => JSON.stringify({ mcpServers: [entry] }) },
  // JetBrains Junie: stdio servers only.
  junie: { id: 'junie', label: 'Junie', key: 'mcpServers', variables: 'none', pointer: STDIO_POINTER },
  // Amazon Q Developer's files from before it became Kiro's CLI.
  amazonq: { id: 'amazonq', label: 'Amazon Q', key: 'mcpServers', variables: 'none', pointer: STDIO_POINTER },
  // Goose (Block): `extensions:` in its YAML, each with its `type` (stdio, streamable_http; its own builtin and platform ones are not servers).
  goose: {
    id: 'goose',
    label: 'Goose',
    key: 'extensions',
    variables: 'plain',
    pointer: (_, url) => ({ type: 'streamable_http', name: 'mcplex', enabled: true, uri: url, timeout: 300 }),
    snippet: (entry) => `\n${stringifyYaml({ extensions: { mcplex: entry } }).trimEnd().replace(/^/gm, '    ')}`,
  },
};

export interface Place {
  readonly client: ClientKind;
  readonly path: string;
  /** The project: the folder `${workspaceFolder}` names, and whose list Claude Code's `~/.claude.json` holds. */
  readonly project?: string;
}

/** The user's application-settings folder on this platform (where Claude Desktop and VS Code keep theirs). */
function appData(env: NodeJS.ProcessEnv, home: string, platform: NodeJS.Platform): string {
  if (platform === 'darwin') return join(home, 'Library', 'Application Support');
  if (platform === 'win32') return env.APPDATA || join(home, 'AppData', 'Roaming');
  return env.XDG_CONFIG_HOME || join(home, '.config');
}

/** Every place a client on this machine may keep servers: the user's files, then the project's (`cwd`). */
export function knownPlaces(cwd: string, env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): Place[] {
  const home = env.HOME || env.USERPROFILE || homedir();
  const apps = appData(env, home, platform);
  return [
    { client: CLIENTS['claude-desktop'], path: join(apps, 'Claude', 'claude_desktop_config.json') },
    { client: CLIENTS['claude-code'], path: join(home, '.claude.json'), project: cwd },
    { client: CLIENTS.cursor, path: join(home, '.cursor', 'mcp.json') },
    { client: CLIENTS.vscode, path: join(apps, 'Code', 'User', 'mcp.json') },
    { client: CLIENTS.windsurf, path: join(home, '.codeium', 'windsurf', 'mcp_config.json') },
    { client: CLIENTS.gemini, path: join(home, '.gemini', 'settings.json') },
    { client: CLIENTS.copilot, path: join(env.COPILOT_HOME || join(home, '.copilot'), 'mcp-config.json') },
    { client: CLIENTS.codex, path: join(env.CODEX_HOME || join(home, '.codex'), 'config.toml') },
    ...['opencode.json', 'opencode.jsonc'].map((f) => ({ client: CLIENTS.opencode, path: join(env.XDG_CONFIG_HOME || join(home, '.config'), 'opencode', f) })),
    // VS Code extensions keep theirs in its global storage.
    { client: CLIENTS.cline, path: join(apps, 'Code', 'User', 'globalStorage', 'saoudrizwan.claude-dev', 'settings', 'cline_mcp_settings.json') },
    { client: CLIENTS.roo, path: join(apps, 'Code', 'User', 'globalStorage', 'rooveterinaryinc.roo-cline', 'settings', 'mcp_settings.json') },
    { client: CLIENTS.kilo, path: join(apps, 'Code', 'User', 'globalStorage', 'kilocode.kilo-code', 'settings', 'mcp_settings.json') },
    { client: CLIENTS.kiro, path: join(home, '.kiro', 'settings', 'mcp.json') },
    { client: CLIENTS.amazonq, path: join(home, '.aws', 'amazonq', 'mcp.json') },
    { client: CLIENTS.junie, path: join(home, '.junie', 'mcp', 'mcp.json') },
    // Zed: ~/.config/zed on Linux and macOS alike, %APPDATA%\Zed on Windows.
    { client: CLIENTS.zed, path: platform === 'win32' ? join(apps, 'Zed', 'settings.json') : join(env.XDG_CONFIG_HOME || join(home, '.config'), 'zed', 'settings.json') },
    { client: CLIENTS['claude-code'], path: join(cwd, '.mcp.json'), project: cwd },
    { client: CLIENTS.cursor, path: join(cwd, '.cursor', 'mcp.json'), project: cwd },
    { client: CLIENTS.vscode, path: join(cwd, '.vscode', 'mcp.json'), project: cwd },
    { client: CLIENTS.gemini, path: join(cwd, '.gemini', 'settings.json'), project: cwd },
    { client: CLIENTS.roo, path: join(cwd, '.roo', 'mcp.json'), project: cwd },
    { client: CLIENTS.kilo, path: join(cwd, '.kilocode', 'mcp.json'), project: cwd },
    { client: CLIENTS.codex, path: join(cwd, '.codex', 'config.toml'), project: cwd },
    ...['opencode.json', 'opencode.jsonc', join('.opencode', 'opencode.json'), join('.opencode', 'opencode.jsonc')].map((f) => ({ client: CLIENTS.opencode, path: join(cwd, f), project: cwd })),
    { client: CLIENTS.kiro, path: join(cwd, '.kiro', 'settings', 'mcp.json'), project: cwd },
    { client: CLIENTS.amazonq, path: join(cwd, '.amazonq', 'mcp.json'), project: cwd },
    { client: CLIENTS.junie, path: join(cwd, '.junie', 'mcp', 'mcp.json'), project: cwd },
    { client: CLIENTS.zed, path: join(cwd, '.zed', 'settings.json'), project: cwd },
    { client: CLIENTS.continue, path: join(home, '.continue', 'config.yaml') },
    { client: CLIENTS.goose, path: platform === 'win32' ? join(apps, 'Block', 'goose', 'config', 'config.yaml') : join(env.XDG_CONFIG_HOME || join(home, '.config'), 'goose', 'config.yaml') },
    // Continue's workspace blocks: each file in .continue/mcpServers.
    ...filesIn(join(cwd, '.continue', 'mcpServers'), /\.(ya?ml|json)$/i).map((path) => ({ client: CLIENTS.continue, path, project: cwd })),
  ];
}

/** The files in `dir` whose names match, in order (none when it is not there). */
function filesIn(dir: string, names: RegExp): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => names.test(f))
      .sort()
      .map((f) => join(dir, f));
  } catch {
    return [];
  }
}

/** The client a file named on the command line belongs to, by its name and folder; Claude Code's shape otherwise. */
export function placeOf(path: string, cwd: string): Place {
  const name = basename(path);
  if (name === '.claude.json') return { client: CLIENTS['claude-code'], path, project: cwd };
  const folder = basename(dirname(path));
  const inProject = (client: ClientKind): Place => ({ client, path, project: dirname(dirname(path)) });
  if (name === 'claude_desktop_config.json') return { client: CLIENTS['claude-desktop'], path };
  if (folder === '.vscode' || (folder === 'User' && name === 'mcp.json')) return folder === '.vscode' ? inProject(CLIENTS.vscode) : { client: CLIENTS.vscode, path };
  if (folder === '.cursor') return inProject(CLIENTS.cursor);
  if (folder === '.gemini') return inProject(CLIENTS.gemini);
  if (folder === '.roo') return inProject(CLIENTS.roo);
  if (folder === '.kilocode') return inProject(CLIENTS.kilo);
  if (folder === 'settings' && basename(dirname(dirname(path))) === '.kiro') return { client: CLIENTS.kiro, path, project: dirname(dirname(dirname(path))) };
  if (folder === '.zed') return inProject(CLIENTS.zed);
  if (folder === '.amazonq' || (folder === 'amazonq' && basename(dirname(dirname(path))) === '.aws')) return folder === '.amazonq' ? inProject(CLIENTS.amazonq) : { client: CLIENTS.amazonq, path };
  if (folder === 'mcp' && basename(dirname(dirname(path))) === '.junie') return { client: CLIENTS.junie, path, project: dirname(dirname(dirname(path))) };
  if (folder.toLowerCase() === 'zed' && name === 'settings.json') return { client: CLIENTS.zed, path };
  if (name === 'cline_mcp_settings.json') return { client: CLIENTS.cline, path };
  if (name === 'mcp_settings.json' && path.includes('roo-cline')) return { client: CLIENTS.roo, path };
  if (name === 'mcp_settings.json' && path.includes('kilo-code')) return { client: CLIENTS.kilo, path };
  if (name === 'mcp_config.json') return { client: CLIENTS.windsurf, path };
  if (name === 'mcp-config.json') return { client: CLIENTS.copilot, path };
  if (/^opencode\.jsonc?$/.test(name)) return { client: CLIENTS.opencode, path, project: folder === '.opencode' ? dirname(dirname(path)) : dirname(path) };
  if (name === 'config.toml') return folder === '.codex' ? inProject(CLIENTS.codex) : { client: CLIENTS.codex, path };
  if (folder === 'mcpServers' && basename(dirname(dirname(path))) === '.continue') return { client: CLIENTS.continue, path, project: dirname(dirname(dirname(path))) };
  if (folder === '.continue' && name === 'config.yaml') return { client: CLIENTS.continue, path };
  if (name === 'config.yaml' && (folder === 'goose' || basename(dirname(dirname(path))) === 'goose')) return { client: CLIENTS.goose, path };
  return { client: CLIENTS['claude-code'], path, project: dirname(path) };
}
