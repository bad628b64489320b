// `mcplex import`: clients' server lists (Claude Desktop, Claude Code, Cursor, VS Code, Windsurf, Gemini CLI) as one
// gateway file. The translation of each client's fields and variables, then the built CLI in a made-up home and
// project: every client found, the file written (owner-only) and valid, its servers started by `mcplex check
// --connect`, and what it refuses.
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} in plain strings is the config syntax under test
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, realpathSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseEnv, promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CLIENTS, type ClientId, knownPlaces, placeOf } from '../../src/cli/client-configs.js';
import { readClientFile } from '../../src/cli/client-files.js';
import { envLine, moveSecrets } from '../../src/cli/import-secrets.js';
import { entriesOf, importServers, isGateway, pathOf } from '../../src/cli/import-servers.js';
import { writtenSecrets } from '../../src/gateway/config/index.js';
import { EVERYTHING } from '../gateway/helpers/harness.js';
import { builtIsCurrent } from '../gateway/fixtures/cli.js';
import { ROOT } from '../helpers/process.js';
import { tempDirs } from '../helpers/temp-dirs.js';

const tempDir = tempDirs('mcplex-import-');

const one = (client: ClientId, entries: Record<string, unknown>, project?: string) => importServers([{ place: { client: CLIENTS[client], path: `/x/${client}.json`, ...(project && { project }) }, entries }]);

describe('what each client writes, as the gateway file says it', () => {
  it('keeps command, args, env, cwd; a URL with its transport and headers; disabled servers stay off', () => {
    const { servers, notes } = one('claude-code', {
      local: { type: 'stdio', command: 'npx', args: ['-y', 'pkg'], env: { N: 3 }, cwd: '/srv' },
      remote: { type: 'http', url: 'https://mcp.example.com/mcp', headers: { Authorization: 'Bearer ${TOKEN}' } },
      old: { type: 'sse', url: 'https://old.example.com/events' },
      off: { command: 'srv', disabled: true },
    });
    expect(servers).toEqual({
      local: { command: 'npx', args: ['-y', 'pkg'], env: { N: '3' }, cwd: '/srv' },
      remote: { url: 'https://mcp.example.com/mcp', headers: { Authorization: 'Bearer ${TOKEN}' } },
      old: { url: 'https://old.example.com/events', transport: 'sse' },
      off: { command: 'srv', enabled: false },
    });
    expect(notes).toEqual([]);
  });

  it('rewrites each client’s variables as ${NAME}, and keeps what has no equivalent literal, with a note', () => {
    const cursor = one('cursor', { s: { command: 'x', args: ['${workspaceFolder}/data', '${userHome}'], env: { K: '${env:API_KEY}', L: '${OTHER}' } } }, '/work/p');
    expect(cursor.servers.s).toMatchObject({ args: ['/work/p/data', expect.stringMatching(/^\//)], env: { K: '${API_KEY}', L: '$${OTHER}' } });
    expect(cursor.notes).toEqual(["Cursor 's': ${OTHER} has no equivalent in the gateway file: kept as the literal text"]);
    expect([...cursor.variables]).toEqual(['API_KEY']);
    // Claude Desktop substitutes nothing: a ${ is text.
    expect(one('claude-desktop', { s: { command: 'x', env: { K: 'a${B}' } } }).servers.s).toEqual({ command: 'x', env: { K: 'a$${B}' } });
    // Claude Code's own syntax is the gateway's.
    expect(one('claude-code', { s: { command: 'x', env: { K: '${B:-none}' } } }).servers.s).toEqual({ command: 'x', env: { K: '${B:-none}' } });
    // VS Code asks for inputs: they become variables to set.
    // Its envFile stays one, the path made absolute (from the project, as VS Code reads it).
    const vscode = one('vscode', { s: { type: 'stdio', command: 'x', env: { K: '${input:api-key}' }, envFile: '.env' }, t: { command: 'y', envFile: '${workspaceFolder}/t.env' } }, '/p');
    expect(vscode.servers).toEqual({ s: { command: 'x', env: { K: '${API_KEY}' }, envFile: '/p/.env' }, t: { command: 'y', envFile: '/p/t.env' } });
    expect(vscode.notes).toEqual(["VS Code 's': ${input:api-key} (asked for by VS Code) is ${API_KEY}: set API_KEY in the gateway's environment"]);
    expect(one('gemini', { s: { command: 'x', env: { K: '$HOME_DIR/a', L: '${B}' } } }).servers.s).toEqual({ command: 'x', env: { K: '${HOME_DIR}/a', L: '${B}' } });
  });

  it('translates Gemini’s url (SSE), httpUrl, tool lists and timeout, Windsurf’s serverUrl, and names what it leaves out', () => {
    const gemini = one('gemini', {
      sse: { url: 'http://h/events' },
      stream: { httpUrl: 'http://h/mcp', timeout: 5000, includeTools: ['read_*'], excludeTools: ['rm'], trust: true },
    });
    expect(gemini.servers).toEqual({ sse: { url: 'http://h/events', transport: 'sse' }, stream: { url: 'http://h/mcp', timeoutMs: 5000, tools: { include: ['read_*'], exclude: ['rm'] } } });
    expect(gemini.notes).toEqual(["Gemini CLI 'stream': trust: no equivalent in the gateway file, left out"]);
    expect(one('windsurf', { w: { serverUrl: 'http://h/sse' } }).servers).toEqual({ w: { url: 'http://h/sse', transport: 'sse' } });
    const cline = one('claude-desktop', { c: { command: 'x', autoApprove: ['a'], timeout: 60 }, broken: { args: ['a'] }, odd: 'x' });
    expect(cline.servers).toEqual({ c: { command: 'x' } });
    expect(cline.notes).toEqual([
      "Claude Desktop 'c': autoApprove, timeout: no equivalent in the gateway file, left out",
      "Claude Desktop 'broken': has neither a command nor a URL: not imported",
      "Claude Desktop 'odd': not a mapping: not imported",
    ]);
  });

  it('gives each server a gateway name: the same definition in two clients once, two different ones apart', () => {
    const gh = { url: 'https://api.githubcopilot.com/mcp/' };
    const imported = importServers([
      { place: { client: CLIENTS['claude-desktop'], path: '/a' }, entries: { github: gh, 'my.tools': { command: 'a' }, a__b: { command: 'b' } } },
      { place: { client: CLIENTS.cursor, path: '/b' }, entries: { github: gh, 'my.tools': { command: 'other' } } },
    ]);
    expect(Object.keys(imported.servers)).toEqual(['github', 'my-tools', 'a_b', 'my-tools-2']);
    expect(imported.sources.map((s) => s.names)).toEqual([['github', 'my-tools', 'a_b'], ['github', 'my-tools-2']]);
  });

  it('reads Claude Code’s per-project servers for the project, and VS Code’s `servers`', () => {
    const claude = { mcpServers: { a: { command: 'a' } }, projects: { '/p': { mcpServers: { b: { command: 'b' } } }, '/q': { mcpServers: { c: { command: 'c' } } } } };
    expect(Object.keys(entriesOf(claude, CLIENTS['claude-code'], '/p'))).toEqual(['a', 'b']);
    expect(Object.keys(entriesOf({ servers: { v: {} }, mcpServers: { no: {} } }, CLIENTS.vscode))).toEqual(['v']);
  });

  it('knows where each client keeps them on Linux, macOS and Windows, and a named file’s client by its place', () => {
    const at = (platform: NodeJS.Platform, env: NodeJS.ProcessEnv) => knownPlaces('/p', env, platform).find((p) => p.client.id === 'claude-desktop')!.path;
    expect(at('linux', { HOME: '/home/u' })).toBe('/home/u/.config/Claude/claude_desktop_config.json');
    expect(at('darwin', { HOME: '/Users/u' })).toBe('/Users/u/Library/Application Support/Claude/claude_desktop_config.json');
    expect(at('win32', { USERPROFILE: 'C:/Users/u', APPDATA: 'C:/Users/u/AppData/Roaming' })).toContain('Roaming/Claude/claude_desktop_config.json');
    expect(placeOf('/p/.vscode/mcp.json', '/q')).toMatchObject({ client: { id: 'vscode' }, project: '/p' });
    expect(placeOf('/h/.codeium/windsurf/mcp_config.json', '/q').client.id).toBe('windsurf');
    expect(placeOf('/p/.mcp.json', '/q')).toMatchObject({ client: { id: 'claude-code' }, project: '/p' });
    // The user's Claude Code file holds every project's list: the current one's is read.
    expect(placeOf('/h/.claude.json', '/q')).toMatchObject({ client: { id: 'claude-code' }, project: '/q' });
    expect(knownPlaces('/q', { HOME: '/h' }, 'linux').find((p) => p.path === '/h/.claude.json')?.project).toBe('/q');
  });

  it('reads Copilot CLI’s mcp-config.json: its types, its tools list and its shell-style variables', () => {
    const copilot = one('copilot', {
      local: { type: 'local', command: 'npx', args: ['-y', 'server'], env: { TOKEN: '${GH_TOKEN}', HOME_DIR: '$HOME', LEVEL: '${LEVEL:-warn}' }, tools: ['*'] },
      remote: { type: 'http', url: 'https://h/mcp', headers: { Authorization: 'Bearer ${API_KEY}' }, tools: ['search', 'fetch'] },
      old: { type: 'sse', url: 'https://h/events', tools: ['*'] },
    });
    expect(copilot.servers).toEqual({
      local: { command: 'npx', args: ['-y', 'server'], env: { TOKEN: '${GH_TOKEN}', HOME_DIR: '${HOME}', LEVEL: '${LEVEL:-warn}' } },
      remote: { url: 'https://h/mcp', headers: { Authorization: 'Bearer ${API_KEY}' }, tools: { include: ['search', 'fetch'] } },
      old: { url: 'https://h/events', transport: 'sse' },
    });
    expect(copilot.notes).toEqual([]);
    expect([...copilot.variables].sort()).toEqual(['API_KEY', 'GH_TOKEN', 'HOME', 'LEVEL']);
    const at = (env: NodeJS.ProcessEnv) => knownPlaces('/p', env, 'linux').filter((p) => p.client.id === 'copilot').map((p) => p.path);
    expect(at({ HOME: '/h' })).toEqual(['/h/.copilot/mcp-config.json']);
    expect(at({ HOME: '/h', COPILOT_HOME: '/c' })).toEqual(['/c/mcp-config.json']);
    expect(placeOf('/h/.copilot/mcp-config.json', '/q').client.id).toBe('copilot');
    expect(CLIENTS.copilot.pointer('/x/mcplex.yaml', 'http://127.0.0.1:7333/mcp')).toEqual({ type: 'http', url: 'http://127.0.0.1:7333/mcp', tools: ['*'] });
  });

  it('reads Continue’s YAML lists of named entries, its secrets, its request headers, and finds its workspace blocks', () => {
    const file = readClientFile('/h/.continue/config.yaml', [
      'name: My config # the assistant',
      'mcpServers:',
      '  - name: sqlite',
      '    command: npx',
      '    args: [-y, mcp-sqlite, "${{ inputs.db-path }}"]',
      '    env: { TOKEN: "${{ secrets.SQL_TOKEN }}", LITERAL: "${HOME}" }',
      '  - name: remote',
      '    type: sse',
      '    url: https://h.example/sse',
      '    requestOptions: { headers: { Authorization: "Bearer ${{ secrets.API_KEY }}" }, timeout: 30 }',
      '  - { command: nameless }',
      '',
    ].join('\n'));
    const entries = entriesOf(file, CLIENTS.continue);
    expect(Object.keys(entries)).toEqual(['sqlite', 'remote']);
    const imported = one('continue', entries);
    expect(imported.servers).toEqual({
      sqlite: { command: 'npx', args: ['-y', 'mcp-sqlite', '${DB_PATH}'], env: { TOKEN: '${SQL_TOKEN}', LITERAL: '$${HOME}' } },
      remote: { url: 'https://h.example/sse', transport: 'sse', headers: { Authorization: 'Bearer ${API_KEY}' } },
    });
    expect([...imported.variables].sort()).toEqual(['API_KEY', 'DB_PATH', 'SQL_TOKEN']);
    expect(imported.notes).toEqual(["Continue 'remote': requestOptions: no equivalent in the gateway file, left out"]);
    expect(() => readClientFile('/h/.continue/config.yaml', 'mcpServers: [\n')).toThrow(/^\/h\/\.continue\/config\.yaml:\d+:\d+: not readable as YAML/);
    // Where it keeps them: the user's config.yaml, and each block in the workspace's .continue/mcpServers.
    const project = tempDir();
    mkdirSync(join(project, '.continue', 'mcpServers'), { recursive: true });
    for (const f of ['b.yaml', 'a.json', 'notes.txt']) writeFileSync(join(project, '.continue', 'mcpServers', f), '{}');
    const places = knownPlaces(project, { HOME: '/h' }, 'linux').filter((p) => p.client.id === 'continue');
    expect(places.map((p) => [p.path, p.project])).toEqual([
      ['/h/.continue/config.yaml', undefined],
      [join(project, '.continue', 'mcpServers', 'a.json'), project],
      [join(project, '.continue', 'mcpServers', 'b.yaml'), project],
    ]);
    expect(placeOf(join(project, '.continue', 'mcpServers', 'b.yaml'), '/q')).toMatchObject({ client: { id: 'continue' }, project });
    expect(placeOf('/h/.continue/config.yaml', '/q').client.id).toBe('continue');
  });

  it('reads Codex’s TOML: its tables, headers from variables, tool lists, passed-on variables and tool timeout', () => {
    const file = readClientFile('/h/.codex/config.toml', [
      'model = "gpt-5" # the default',
      '[mcp_servers.docs]',
      'command = "npx"',
      'args = ["-y", "docs-mcp"]',
      'env_vars = ["HOME_DIR"]',
      'enabled_tools = ["search"]',
      'tool_timeout_sec = 30',
      'startup_timeout_sec = 20',
      '[mcp_servers.docs.env]',
      'LEVEL = "warn"',
      '[mcp_servers."figma remote"]',
      'url = "https://h.example/mcp"',
      'bearer_token_env_var = "FIGMA_TOKEN"',
      'http_headers = { "X-Region" = "us" }',
      'env_http_headers = { "X-Key" = "FIGMA_KEY" }',
      'disabled_tools = ["delete"]',
      'enabled = false',
      '',
    ].join('\n'));
    const imported = one('codex', entriesOf(file, CLIENTS.codex));
    expect(imported.servers).toEqual({
      docs: { command: 'npx', args: ['-y', 'docs-mcp'], env: { HOME_DIR: '${HOME_DIR}', LEVEL: 'warn' }, tools: { include: ['search'] }, timeoutMs: 30_000 },
      'figma-remote': { url: 'https://h.example/mcp', headers: { 'X-Region': 'us', 'X-Key': '${FIGMA_KEY}', Authorization: 'Bearer ${FIGMA_TOKEN}' }, enabled: false, tools: { exclude: ['delete'] } },
    });
    expect([...imported.variables].sort()).toEqual(['FIGMA_KEY', 'FIGMA_TOKEN', 'HOME_DIR']);
    expect(imported.notes).toEqual(["Codex 'docs': startup_timeout_sec: no equivalent in the gateway file, left out", "Codex 'figma remote': named figma-remote in the gateway"]);
    expect(() => readClientFile('/h/.codex/config.toml', 'model = \n')).toThrow(/^\/h\/\.codex\/config\.toml:1:\d+: not readable as TOML/);
    const at = (env: NodeJS.ProcessEnv) => knownPlaces('/p', env, 'linux').filter((p) => p.client.id === 'codex').map((p) => p.path);
    expect(at({ HOME: '/h' })).toEqual(['/h/.codex/config.toml', '/p/.codex/config.toml']);
    expect(at({ HOME: '/h', CODEX_HOME: '/c' })).toEqual(['/c/config.toml', '/p/.codex/config.toml']);
    expect(placeOf('/p/.codex/config.toml', '/q')).toMatchObject({ client: { id: 'codex' }, project: '/p' });
  });

  it('reads opencode’s files, in both their shapes (mcp.servers, and mcp before it): command lists, environment, timeout', () => {
    const v2 = entriesOf({ $schema: 'https://opencode.ai/config.json', mcp: { servers: { fs: { type: 'local', command: ['npx', '-y', 'fs-mcp'], environment: { ROOT: '/srv' }, timeout: 10_000 }, web: { type: 'remote', url: 'https://h.example/mcp', headers: { 'X-Team': 'a' }, disabled: true } } } }, CLIENTS.opencode);
    const v1 = entriesOf({ mcp: { fs: { type: 'local', command: ['npx', '-y', 'fs-mcp'], environment: { ROOT: '/srv' }, timeout: 10_000 }, web: { type: 'remote', url: 'https://h.example/mcp', headers: { 'X-Team': 'a' }, enabled: false } } }, CLIENTS.opencode);
    const servers = { fs: { command: 'npx', args: ['-y', 'fs-mcp'], env: { ROOT: '/srv' }, timeoutMs: 10_000 }, web: { url: 'https://h.example/mcp', headers: { 'X-Team': 'a' }, enabled: false } };
    expect(one('opencode', v2)).toMatchObject({ servers, notes: [] });
    // Its `{env:NAME}` is the gateway's `${NAME}`; `{file:…}` has no equivalent; a `${` of its own is literal.
    const vars = one('opencode', { w: { type: 'remote', url: 'https://h.example/mcp', headers: { Authorization: 'Bearer {env:API_TOKEN}', 'X-Key': '{file:~/.key}', 'X-Raw': '${NOT_A_VARIABLE}' } } });
    expect(vars.servers.w).toEqual({ url: 'https://h.example/mcp', headers: { Authorization: 'Bearer ${API_TOKEN}', 'X-Key': '{file:~/.key}', 'X-Raw': '$${NOT_A_VARIABLE}' } });
    expect([[...vars.variables], vars.notes]).toEqual([['API_TOKEN'], ["opencode 'w': {file:~/.key} has no equivalent in the gateway file: kept as the literal text"]]);
    expect(one('opencode', v1)).toMatchObject({ servers, notes: [] });
    expect(pathOf({ mcp: { servers: { fs: {} } } }, CLIENTS.opencode, undefined, 'fs')).toEqual(['mcp', 'servers', 'fs']);
    expect(pathOf({ mcp: { fs: {} } }, CLIENTS.opencode, undefined, 'fs')).toEqual(['mcp', 'fs']);
    const places = knownPlaces('/p', { HOME: '/h' }, 'linux').filter((p) => p.client.id === 'opencode').map((p) => p.path);
    expect(places).toEqual(['/h/.config/opencode/opencode.json', '/h/.config/opencode/opencode.jsonc', '/p/opencode.json', '/p/opencode.jsonc', '/p/.opencode/opencode.json', '/p/.opencode/opencode.jsonc']);
    expect(placeOf('/p/.opencode/opencode.jsonc', '/q')).toMatchObject({ client: { id: 'opencode' }, project: '/p' });
    expect(placeOf('/p/opencode.json', '/q')).toMatchObject({ client: { id: 'opencode' }, project: '/p' });
  });

  it('reads Goose’s extensions: stdio and streamable_http ones, its keyring’s variables, tool list and timeout; its own extensions are no servers', () => {
    const file = readClientFile('/h/.config/goose/config.yaml', [
      'GOOSE_MODE: smart_approve',
      'extensions:',
      '  developer: { type: builtin, name: developer, enabled: true, bundled: true, timeout: 300 }',
      '  github:',
      '    type: stdio',
      '    name: github',
      '    enabled: true',
      '    cmd: npx',
      '    args: [-y, "@modelcontextprotocol/server-github"]',
      '    envs: { LOG_LEVEL: warn }',
      '    env_keys: [GITHUB_PERSONAL_ACCESS_TOKEN]',
      '    timeout: 120',
      '    description: GitHub',
      '  remote:',
      '    type: streamable_http',
      '    name: remote',
      '    enabled: false',
      '    uri: https://h.example/mcp',
      '    headers: { Authorization: "Bearer ${API_TOKEN}" }',
      '    available_tools: [search]',
      '  old: { type: sse, name: old, uri: https://h.example/sse, enabled: true }',
      '',
    ].join('\n'));
    const goose = importServers([{ place: { client: CLIENTS.goose, path: '/h/.config/goose/config.yaml' }, entries: entriesOf(file, CLIENTS.goose) }]);
    expect(goose.servers).toEqual({
      github: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-github'], env: { GITHUB_PERSONAL_ACCESS_TOKEN: '${GITHUB_PERSONAL_ACCESS_TOKEN}', LOG_LEVEL: 'warn' }, timeoutMs: 120_000 },
      remote: { url: 'https://h.example/mcp', headers: { Authorization: 'Bearer ${API_TOKEN}' }, enabled: false, tools: { include: ['search'] } },
      old: { url: 'https://h.example/sse', transport: 'sse' },
    });
    expect(goose.notes).toEqual(["Goose 'developer': a Goose builtin extension (part of Goose, not an MCP server): not imported"]);
    expect([...goose.variables].sort()).toEqual(['API_TOKEN', 'GITHUB_PERSONAL_ACCESS_TOKEN']);
    const at = (platform: NodeJS.Platform, env: NodeJS.ProcessEnv) => knownPlaces('/p', env, platform).filter((p) => p.client.id === 'goose').map((p) => p.path);
    expect(at('linux', { HOME: '/h' })).toEqual(['/h/.config/goose/config.yaml']);
    expect(at('darwin', { HOME: '/Users/u' })).toEqual(['/Users/u/.config/goose/config.yaml']);
    expect(at('win32', { USERPROFILE: 'C:/Users/u', APPDATA: 'C:/Users/u/AppData/Roaming' })[0]).toMatch(/Roaming.Block.goose.config.config\.yaml$/);
    expect(placeOf('/h/.config/goose/config.yaml', '/q').client.id).toBe('goose');
    expect(placeOf('C:/Users/u/AppData/Roaming/Block/goose/config/config.yaml', '/q').client.id).toBe('goose');
    // Its entry for the gateway, which a second import knows as the gateway.
    const pointer = CLIENTS.goose.pointer('/x/mcplex.yaml', 'http://127.0.0.1:7333/mcp');
    expect(pointer).toEqual({ type: 'streamable_http', name: 'mcplex', enabled: true, uri: 'http://127.0.0.1:7333/mcp', timeout: 300 });
    expect(importServers([{ place: { client: CLIENTS.goose, path: '/x' }, entries: { mcplex: pointer } }], 'http://127.0.0.1:7333/mcp').notes).toEqual(["Goose 'mcplex': the gateway itself: not imported"]);
    expect(CLIENTS.goose.snippet!(pointer)).toBe(
      '\n    extensions:\n      mcplex:\n        type: streamable_http\n        name: mcplex\n        enabled: true\n        uri: http://127.0.0.1:7333/mcp\n        timeout: 300',
    );
  });

  it('finds Junie’s and Amazon Q’s files (the common shape), and starts the gateway over stdio from them', () => {
    const places = knownPlaces('/p', { HOME: '/h' }, 'linux');
    const pathsOf = (id: ClientId) => places.filter((p) => p.client.id === id).map((p) => p.path);
    expect(pathsOf('junie')).toEqual(['/h/.junie/mcp/mcp.json', '/p/.junie/mcp/mcp.json']);
    expect(pathsOf('amazonq')).toEqual(['/h/.aws/amazonq/mcp.json', '/p/.amazonq/mcp.json']);
    expect(placeOf('/p/.junie/mcp/mcp.json', '/q')).toMatchObject({ client: { id: 'junie' }, project: '/p' });
    expect(placeOf('/h/.aws/amazonq/mcp.json', '/q').client.id).toBe('amazonq');
    expect(placeOf('/p/.amazonq/mcp.json', '/q')).toMatchObject({ client: { id: 'amazonq' }, project: '/p' });
    expect(one('junie', { j: { command: 'uvx', args: ['mcp-server-git'], env: { GIT_DIR: '/r' } } }).servers).toEqual({ j: { command: 'uvx', args: ['mcp-server-git'], env: { GIT_DIR: '/r' } } });
    for (const id of ['junie', 'amazonq'] as const) expect(CLIENTS[id].pointer('/x/mcplex.yaml', 'http://127.0.0.1:7333/mcp')).toMatchObject({ command: process.execPath, args: expect.arrayContaining(['serve', '--stdio', '-c', '/x/mcplex.yaml']) });
  });

  it('shows the gateway’s entry as each client writes it, to paste', () => {
    const stdio = { command: '/usr/bin/node', args: ['/m/main.js', 'serve', '--stdio', '-c', '/x/mcplex.yaml'] };
    expect(CLIENTS.codex.snippet!(stdio)).toBe('\n    [mcp_servers.mcplex]\n    command = "/usr/bin/node"\n    args = [ "/m/main.js", "serve", "--stdio", "-c", "/x/mcplex.yaml" ]');
    expect(CLIENTS.continue.snippet!(CLIENTS.continue.pointer('/x', 'http://127.0.0.1:7333/mcp'))).toBe('{"mcpServers":[{"name":"mcplex","type":"streamable-http","url":"http://127.0.0.1:7333/mcp"}]}');
    expect(CLIENTS.opencode.snippet!(CLIENTS.opencode.pointer('/x', 'http://127.0.0.1:7333/mcp'))).toBe('{"mcp":{"servers":{"mcplex":{"type":"remote","url":"http://127.0.0.1:7333/mcp"}}}}');
    expect(CLIENTS.cursor.snippet).toBeUndefined();
  });

  it('reads Kiro’s files (its disabledTools as tools.exclude) and Kilo Code’s, and knows where they are', () => {
    const kiro = one('kiro', { k: { command: 'x', env: { TOKEN: '${API_TOKEN}' }, disabledTools: ['rm'], autoApprove: ['ls'] }, r: { url: 'https://h.example/mcp', headers: { Authorization: 'Bearer ${API_TOKEN}' } } });
    expect(kiro.servers).toEqual({ k: { command: 'x', env: { TOKEN: '${API_TOKEN}' }, tools: { exclude: ['rm'] } }, r: { url: 'https://h.example/mcp', headers: { Authorization: 'Bearer ${API_TOKEN}' } } });
    expect(kiro.notes).toEqual(["Kiro 'k': autoApprove: no equivalent in the gateway file, left out"]);
    const places = knownPlaces('/p', { HOME: '/h' }, 'linux');
    const pathsOf = (id: ClientId) => places.filter((p) => p.client.id === id).map((p) => p.path);
    expect(pathsOf('kiro')).toEqual(['/h/.kiro/settings/mcp.json', '/p/.kiro/settings/mcp.json']);
    expect(pathsOf('kilo')).toEqual(['/h/.config/Code/User/globalStorage/kilocode.kilo-code/settings/mcp_settings.json', '/p/.kilocode/mcp.json']);
    expect(placeOf('/p/.kiro/settings/mcp.json', '/q')).toMatchObject({ client: { id: 'kiro' }, project: '/p' });
    expect(placeOf('/p/.kilocode/mcp.json', '/q')).toMatchObject({ client: { id: 'kilo' }, project: '/p' });
    expect(placeOf('/x/kilocode.kilo-code/settings/mcp_settings.json', '/q').client.id).toBe('kilo');
    expect(CLIENTS.kiro.pointer('/x/mcplex.yaml', 'http://127.0.0.1:7333/mcp')).toEqual({ url: 'http://127.0.0.1:7333/mcp' });
  });

  it('reads Zed’s context_servers (its older command object too), and finds Cline’s, Roo Code’s and Zed’s files', () => {
    const zed = entriesOf({ context_servers: { a: { source: 'custom', command: 'x', args: ['1'] }, b: { command: { path: 'y', args: ['2'], env: { K: 'v' } }, settings: {} }, ext: { settings: { key: 'k' } } } }, CLIENTS.zed);
    const imported = one('zed', zed);
    expect(imported.servers).toEqual({ a: { command: 'x', args: ['1'] }, b: { command: 'y', args: ['2'], env: { K: 'v' } } });
    expect(imported.notes).toEqual(["Zed 'b': settings: no equivalent in the gateway file, left out", "Zed 'ext': has neither a command nor a URL: not imported"]);
    const places = knownPlaces('/p', { HOME: '/h' }, 'linux');
    const pathOfClient = (id: ClientId) => places.filter((p) => p.client.id === id).map((p) => p.path);
    expect(pathOfClient('cline')).toEqual(['/h/.config/Code/User/globalStorage/saoudrizwan.claude-dev/settings/cline_mcp_settings.json']);
    expect(pathOfClient('roo')).toEqual(['/h/.config/Code/User/globalStorage/rooveterinaryinc.roo-cline/settings/mcp_settings.json', '/p/.roo/mcp.json']);
    expect(pathOfClient('zed')).toEqual(['/h/.config/zed/settings.json', '/p/.zed/settings.json']);
    expect(placeOf('/h/.config/zed/settings.json', '/q').client.id).toBe('zed');
    expect(placeOf('/x/cline_mcp_settings.json', '/q').client.id).toBe('cline');
    expect(placeOf('/p/.roo/mcp.json', '/q')).toMatchObject({ client: { id: 'roo' }, project: '/p' });
    // Cline's Streamable HTTP type, and its timeout (seconds) noted.
    expect(one('cline', { r: { type: 'streamableHttp', url: 'http://h/mcp', timeout: 60, autoApprove: [] } })).toMatchObject({
      servers: { r: { url: 'http://h/mcp' } },
      notes: ["Cline 'r': autoApprove, timeout: no equivalent in the gateway file, left out"],
    });
  });

  it('reads JSON with comments and trailing commas, and says where a file is not JSON', () => {
    expect(readClientFile('f', '{\n  // mine\n  "servers": { "a": { "command": "x", }, },\n}')).toEqual({ servers: { a: { command: 'x' } } });
    expect(() => readClientFile('/p/mcp.json', '{\n  "servers": {\n    "a": [}\n}')).toThrow('/p/mcp.json:3:11: not readable as JSON (ValueExpected)');
  });

  it('knows an entry that is the gateway itself, and where each imported entry sits in its file', () => {
    const url = 'http://127.0.0.1:7333/mcp';
    expect(isGateway({ command: '/usr/bin/node', args: ['/opt/mcplex/dist/cli/main.js', 'serve', '--stdio', '-c', '/h/mcplex.yaml'] }, url)).toBe(true);
    expect(isGateway({ command: 'npx', args: ['-y', 'mcplex', 'serve', '--stdio'] }, url)).toBe(true);
    expect(isGateway({ serverUrl: url }, url)).toBe(true);
    // Its legacy SSE stream is the gateway too (a client pointed there is not imported as a server of itself).
    expect(isGateway({ url: url.replace(/\/mcp$/, '/sse'), type: 'sse' }, url)).toBe(true);
    expect(isGateway({ command: 'npx', args: ['-y', 'mcplex', 'demo', 'notes'] }, url)).toBe(false);
    expect(isGateway({ url: 'http://127.0.0.1:7334/mcp' }, url)).toBe(false);
    const imported = importServers([{ place: { client: CLIENTS.cursor, path: '/c' }, entries: { mcplex: { url }, a: { command: 'a' } } }], url);
    expect([Object.keys(imported.servers), imported.sources[0]!.originals, imported.notes]).toEqual([['a'], ['a'], ["Cursor 'mcplex': the gateway itself: not imported"]]);
    const claude = { mcpServers: { a: {}, b: {} }, projects: { '/p': { mcpServers: { b: {} } } } };
    expect(pathOf(claude, CLIENTS['claude-code'], '/p', 'a')).toEqual(['mcpServers', 'a']);
    expect(pathOf(claude, CLIENTS['claude-code'], '/p', 'b')).toEqual(['projects', '/p', 'mcpServers', 'b']);
    expect(pathOf({ servers: { v: {} } }, CLIENTS.vscode, '/p', 'v')).toEqual(['servers', 'v']);
  });
});

describe('credentials moved out (--secrets-to)', () => {
  it('names each by where it was, one name for one value, and writes lines dotenv reads back as they were', async () => {
    const imported = one('claude-desktop', {
      gh: { command: 'x', args: ['--api-key', 'k-1234', '--verbose'], env: { GITHUB_TOKEN: 'ghp_1234567890abcdefghijABCDEFGHIJ123456', API_KEY: 'same' } },
      other: { command: 'y', env: { API_KEY: 'differs' }, cwd: '/w' },
      web: { url: 'http://u:pw@127.0.0.1:9/mcp', headers: { Authorization: "Bearer it's" } },
    });
    const text = JSON.stringify({ servers: imported.servers });
    const moved = moveSecrets(imported, await writtenSecrets(text, 'json'));
    expect(Object.fromEntries(moved)).toEqual({
      GH_API_KEY: 'k-1234',
      API_KEY: 'same',
      API_KEY_2: 'differs',
      WEB_URL: 'http://u:pw@127.0.0.1:9/mcp',
      WEB_AUTHORIZATION: "Bearer it's",
      GITHUB_TOKEN: 'ghp_1234567890abcdefghijABCDEFGHIJ123456',
    });
    expect(imported.servers).toEqual({
      gh: { command: 'x', args: ['--api-key', '${GH_API_KEY}', '--verbose'], env: { GITHUB_TOKEN: '${GITHUB_TOKEN}', API_KEY: '${API_KEY}' } },
      other: { command: 'y', env: { API_KEY: '${API_KEY_2}' }, cwd: '/w' },
      web: { url: '${WEB_URL}', headers: { Authorization: '${WEB_AUTHORIZATION}' } },
    });
    const tricky = { A: 'plain', B: "it's", C: 'two\nlines', D: 'say "hi"\nthere', E: 'a $b #c \\d ${e}', F: '' };
    const file = Object.entries(tricky).map(([k, v]) => `${envLine(k, v)}\n`).join('');
    expect(parseEnv(file)).toEqual(tricky);
  });
});

describe('mcplex import', () => {
  const run = promisify(execFile);
  const CLI = join(ROOT, 'dist', 'cli', 'main.js');
  const demo = (name: string) => ({ command: process.execPath, args: [CLI, 'demo', name] });

  async function mcplex(args: string[], cwd: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { cwd, timeout: 60_000, env: { ...process.env, ...env } });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }
  /** A made-up home and project for the built CLI to find clients' files in (built first if it is not current). */
  async function clientMachine(extra: Record<string, string> = {}) {
    if (!builtIsCurrent()) await run('npm', ['run', '-s', 'build'], { cwd: ROOT, timeout: 120_000 });
    const home = tempDir();
    return { home, project: tempDir(), env: { HOME: home, XDG_CONFIG_HOME: '', APPDATA: '', ...extra } };
  }
  /**
   * Writes `before` as the client's file under a made-up home, runs `mcplex import <client> --replace`, and checks what
   * every client's replace does: exit 0, the report's line, the file as it was kept beside it, and a second run finding
   * nothing to import. Answers the file as the import left it, and where it and the gateway file are.
   */
  async function replacedIn(client: ClientId, relative: string[], before: string, removed: string, extra: Record<string, string> = {}) {
    const { home, project, env } = await clientMachine(extra);
    const config = join(home, ...relative);
    mkdirSync(dirname(config), { recursive: true });
    writeFileSync(config, before);
    const replaced = await mcplex(['import', client, '--replace'], project, env);
    expect([replaced.code, replaced.stderr]).toEqual([0, '']);
    expect(replaced.stdout).toContain(`${CLIENTS[client].label} (${config}): ${removed} out, mcplex in; was ${config}.mcplex-backup`);
    expect(readFileSync(`${config}.mcplex-backup`, 'utf8')).toBe(before);
    const after = readFileSync(config, 'utf8');
    const again = await mcplex(['import', client, '--force', '--replace'], project, env);
    expect([again.code, again.stderr]).toEqual([1, `mcplex: no servers in ${config}\n`]);
    return { after, config, file: join(project, 'mcplex.yaml'), project, env };
  }
  const write = (path: string, value: unknown) => {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, JSON.stringify(value));
  };

  it('gathers every client’s servers into a gateway file that serves them', { timeout: 120_000 }, async () => {
    const { home, project, env } = await clientMachine({ DEMO_KEY: 'k' });
    write(join(home, '.config', 'Claude', 'claude_desktop_config.json'), { mcpServers: { demo: demo('demo') }, globalShortcut: 'Ctrl+Space' });
    write(join(home, '.cursor', 'mcp.json'), { mcpServers: { demo: demo('demo'), notes: { ...demo('notes'), env: { KEY: '${env:DEMO_KEY}' } } } });
    write(join(project, '.vscode', 'mcp.json'), { servers: { docs: { type: 'http', url: 'http://127.0.0.1:9/mcp' } } });

    const imported = await mcplex(['import'], project, env);
    expect(imported.code).toBe(0);
    expect(imported.stdout).toContain('Wrote mcplex.yaml: 3 servers (demo, notes, docs) from Claude Desktop');
    expect(imported.stdout).toContain('Cursor: {"mcpServers":{"mcplex":{"url":"http://127.0.0.1:7333/mcp"}}}');
    expect(imported.stdout).toContain(`Claude Desktop: ${JSON.stringify({ mcpServers: { mcplex: { command: process.execPath, args: [CLI, 'serve', '--stdio', '-c', join(project, 'mcplex.yaml')] } } })}`);
    const file = join(project, 'mcplex.yaml');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(parse(readFileSync(file, 'utf8')).servers).toEqual({ demo: demo('demo'), notes: { ...demo('notes'), env: { KEY: '${DEMO_KEY}' } }, docs: { url: 'http://127.0.0.1:9/mcp' } });

    // Without the server nobody runs at 127.0.0.1:9, the gateway starts the rest.
    const text = readFileSync(file, 'utf8').replace(/\n {2}docs:[\s\S]*$/, '\n');
    writeFileSync(join(project, 'up.yaml'), text);
    const checked = await mcplex(['check', '-c', 'up.yaml', '--connect'], project, env);
    expect(checked.stdout).toMatch(/demo\s+up\s+\S+\s+\d+ tools/);
    expect(checked.stdout).toMatch(/notes\s+up/);
    expect(checked.code).toBe(0);

    const again = await mcplex(['import'], project, env);
    expect([again.code, again.stderr.trim()]).toEqual([2, 'mcplex: mcplex.yaml exists; give another --output, or --force to replace it']);
    expect((await mcplex(['import', '--force'], project, env)).code).toBe(0);
    const printed = await mcplex(['import', 'cursor', '-o', '-'], project, env);
    expect(parse(printed.stdout).servers).toEqual({ demo: demo('demo'), notes: { ...demo('notes'), env: { KEY: '${DEMO_KEY}' } } });
    expect(printed.stderr).toContain('Read 2 servers (demo, notes) from Cursor');
    const none = await mcplex(['import', 'windsurf'], project, env);
    expect([none.code, none.stderr]).toEqual([1, `mcplex: no Windsurf configuration found (looked in ${join(home, '.codeium', 'windsurf', 'mcp_config.json')})\n`]);
    // A whole URL in a variable checks with a stand-in; what the gateway cannot read is written all the same, and said.
    write(join(project, 'odd.json'), { mcpServers: { remote: { type: 'http', url: '${REMOTE_URL}' }, broken: { command: '' } } });
    const odd = await mcplex(['import', 'odd.json', '-o', 'odd.yaml'], project, env);
    expect(odd.code).toBe(1);
    expect(odd.stdout).toMatch(/The file does not pass as the gateway reads it; fix it before serving: .*\n.*servers\.broken\.command/);
    expect(odd.stdout).not.toContain('servers.remote');
    expect(parse(readFileSync(join(project, 'odd.yaml'), 'utf8')).servers).toEqual({ remote: { url: '${REMOTE_URL}' }, broken: { command: '' } });
    // A token the client had written as text is written so too, and said (by place, never by value).
    write(join(project, 'leaky.json'), { mcpServers: { gh: { ...demo('demo'), env: { GITHUB_TOKEN: 'ghp_1234567890abcdefghijABCDEFGHIJ123456' } } } });
    const leaky = await mcplex(['import', 'leaky.json', '-o', 'leaky.yaml'], project, env);
    expect(leaky.code).toBe(0);
    expect(leaky.stdout).toContain('warning: a credential is written in the file (anyone who reads it has it):\n  servers.gh.env.GITHUB_TOKEN (GITHUB_TOKEN)\n');
    expect(leaky.stdout).not.toContain('ghp_');
    const missing = await mcplex(['import', 'nope.json'], project, env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nope.json: no such file');
  });

  it('points each client at the gateway with --replace, keeping the rest of its file and the file as it was', { timeout: 120_000 }, async () => {
    const { home, project, env } = await clientMachine();
    const desktop = join(home, '.config', 'Claude', 'claude_desktop_config.json');
    write(desktop, { mcpServers: { demo: demo('demo') }, globalShortcut: 'Ctrl+Space' });
    const desktopBefore = readFileSync(desktop, 'utf8');
    // Claude Code: the user's list and this project's list in ~/.claude.json, among its other state.
    // Kept in a dotfiles folder, linked from home, readable by its owner only (as Claude Code writes it).
    const claudeCode = join(home, '.claude.json');
    const dotfile = join(home, 'dotfiles', 'claude.json');
    write(dotfile, { numStartups: 3, mcpServers: { calc: demo('demo') }, projects: { [project]: { allowedTools: [], mcpServers: { notes: demo('notes') } }, '/other': { mcpServers: { kept: demo('demo') } } } });
    chmodSync(dotfile, 0o600);
    symlinkSync(dotfile, claudeCode);
    // Zed: JSONC settings, its servers under context_servers among the editor's own settings.
    const zed = join(home, '.config', 'zed', 'settings.json');
    mkdirSync(dirname(zed), { recursive: true });
    writeFileSync(zed, `// Zed settings\n{\n  "theme": "One Dark",\n  "context_servers": {\n    "zdemo": ${JSON.stringify({ source: 'custom', ...demo('demo') })}\n  }\n}\n`);
    // VS Code: JSONC, tab-indented, with comments, a trailing comma and an entry it cannot import.
    const vscode = join(project, '.vscode', 'mcp.json');
    mkdirSync(dirname(vscode), { recursive: true });
    const vscodeBefore = `{\n\t// the team's servers\n\t"inputs": [],\n\t"servers": {\n\t\t"docs": ${JSON.stringify(demo('notes'))}, // docs search\n\t\t"empty": {},\n\t},\n}\n`;
    writeFileSync(vscode, vscodeBefore);

    expect((await mcplex(['import', '--replace', '-o', '-'], project, env)).code).toBe(2);
    const replaced = await mcplex(['import', '--replace'], project, env);
    expect(replaced.stderr).toBe('');
    expect(replaced.code).toBe(0);
    expect(replaced.stdout).toContain('Wrote mcplex.yaml: 5 servers (demo, calc, notes, zdemo, docs)');
    expect(replaced.stdout).toContain(`Claude Desktop (${desktop}): demo out, mcplex in; was ${desktop}.mcplex-backup`);
    expect(replaced.stdout).toContain(`VS Code (${vscode}): docs out, mcplex in; was ${vscode}.mcplex-backup`);
    const file = join(project, 'mcplex.yaml');

    const stdio = { command: process.execPath, args: [CLI, 'serve', '--stdio', '-c', file] };
    expect(JSON.parse(readFileSync(desktop, 'utf8'))).toEqual({ mcpServers: { mcplex: stdio }, globalShortcut: 'Ctrl+Space' });
    expect(readFileSync(`${desktop}.mcplex-backup`, 'utf8')).toBe(desktopBefore);
    expect(JSON.parse(readFileSync(claudeCode, 'utf8'))).toEqual({
      numStartups: 3,
      mcpServers: { mcplex: { type: 'http', url: 'http://127.0.0.1:7333/mcp' } },
      projects: { [project]: { allowedTools: [], mcpServers: {} }, '/other': { mcpServers: { kept: demo('demo') } } },
    });
    // Written beside the file and moved into place: the link kept, the file it points to edited, its permissions kept, no temporary file left.
    expect([lstatSync(claudeCode).isSymbolicLink(), realpathSync(claudeCode), statSync(dotfile).mode & 0o777]).toEqual([true, dotfile, 0o600]);
    expect(readdirSync(dirname(dotfile))).toEqual(['claude.json']);
    expect(readFileSync(zed, 'utf8')).toMatch(/^\/\/ Zed settings\n/);
    expect(readClientFile(zed, readFileSync(zed, 'utf8'))).toEqual({ theme: 'One Dark', context_servers: { mcplex: stdio } });
    const vscodeAfter = readFileSync(vscode, 'utf8');
    expect(vscodeAfter).toContain("\t// the team's servers\n\t\"inputs\": [],");
    expect(vscodeAfter).toMatch(/\n\t\t"mcplex": \{\n\t\t\t"type": "http",/);
    expect(readClientFile(vscode, vscodeAfter)).toEqual({ inputs: [], servers: { empty: {}, mcplex: { type: 'http', url: 'http://127.0.0.1:7333/mcp' } } });
    expect(readFileSync(`${vscode}.mcplex-backup`, 'utf8')).toBe(vscodeBefore);

    // Claude Desktop's new entry is the gateway over stdio, serving what it served.
    const transport = new StdioClientTransport({ ...stdio, cwd: home, env: { ...(process.env as Record<string, string>), ...env, MCPLEX_LOG_LEVEL: 'warn' }, stderr: 'ignore' });
    const client = new Client({ name: 'desktop', version: '1' });
    await client.connect(transport);
    try {
      const tools = (await client.listTools()).tools.map((t) => t.name);
      expect(tools).toEqual(expect.arrayContaining(['demo__add', 'calc__add', 'notes__list_notes', 'zdemo__add', 'docs__list_notes']));
    } finally {
      await client.close();
    }

    // Run again: only the gateway is left in those clients, so nothing to import; earlier backups are never overwritten.
    const again = await mcplex(['import', '--force', '--replace'], project, env);
    expect([again.code, again.stderr]).toEqual([1, `mcplex: no servers in ${[desktop, claudeCode, zed, vscode].join(', ')}\n`]);
    const more = join(project, 'more.json');
    write(more, { mcpServers: { calc: demo('demo') } });
    expect((await mcplex(['import', 'more.json', '-o', 'more.yaml', '--replace'], project, env)).code).toBe(0);
    write(more, { mcpServers: { calc2: demo('demo') } });
    expect((await mcplex(['import', 'more.json', '-o', 'more.yaml', '--force', '--replace'], project, env)).code).toBe(0);
    expect(JSON.parse(readFileSync(`${more}.mcplex-backup`, 'utf8')).mcpServers).toEqual({ calc: demo('demo') });
    expect(JSON.parse(readFileSync(`${more}.mcplex-backup-2`, 'utf8')).mcpServers).toEqual({ calc2: demo('demo') });
  });

  it('points Continue at the gateway in its YAML, its comments and other settings kept', { timeout: 120_000 }, async () => {
    const before = [
      '# my assistant',
      'name: Local',
      'version: 1.0.0',
      'models:',
      '  - name: qwen # the fast one',
      '    provider: ollama',
      'mcpServers:',
      '  - name: calc',
      `    command: ${JSON.stringify(process.execPath)}`,
      `    args: [${JSON.stringify(CLI)}, demo, demo]`,
      '  - name: web',
      '    type: streamable-http',
      '    url: http://127.0.0.1:9/mcp',
      '',
    ].join('\n');
    const { after, file } = await replacedIn('continue', ['.continue', 'config.yaml'], before, 'calc, web');
    expect(parse(readFileSync(file, 'utf8')).servers).toEqual({ calc: demo('demo'), web: { url: 'http://127.0.0.1:9/mcp' } });
    expect(after).toMatch(/^# my assistant\nname: Local\n/);
    expect(after).toContain('  - name: qwen # the fast one\n');
    expect(parse(after)).toEqual({ name: 'Local', version: '1.0.0', models: [{ name: 'qwen', provider: 'ollama' }], mcpServers: [{ name: 'mcplex', type: 'streamable-http', url: 'http://127.0.0.1:7333/mcp' }] });
  });

  it('points Goose at the gateway in its YAML: the imported extensions out, the gateway’s in, its own and its settings kept', { timeout: 120_000 }, async () => {
    const before = [
      '# goose',
      'GOOSE_PROVIDER: anthropic',
      'extensions:',
      '  developer:',
      '    type: builtin # its own',
      '    name: developer',
      '    enabled: true',
      '  calc:',
      '    type: stdio',
      '    name: calc',
      `    cmd: ${JSON.stringify(process.execPath)}`,
      `    args: [${JSON.stringify(CLI)}, demo, demo]`,
      '    enabled: true',
      '    timeout: 60',
      '',
    ].join('\n');
    const { after, file } = await replacedIn('goose', ['.config', 'goose', 'config.yaml'], before, 'calc');
    expect(parse(readFileSync(file, 'utf8')).servers).toEqual({ calc: { ...demo('demo'), timeoutMs: 60_000 } });
    expect(after).toMatch(/^# goose\nGOOSE_PROVIDER: anthropic\n/);
    expect(after).toContain('    type: builtin # its own\n');
    expect(parse(after)).toEqual({
      GOOSE_PROVIDER: 'anthropic',
      extensions: { developer: { type: 'builtin', name: 'developer', enabled: true }, mcplex: { type: 'streamable_http', name: 'mcplex', enabled: true, uri: 'http://127.0.0.1:7333/mcp', timeout: 300 } },
    });
  });

  it('points Codex at the gateway in its TOML: the imported tables out, the gateway’s in, the rest as it was', { timeout: 120_000 }, async () => {
    const before = [
      '# Codex settings',
      'model = "gpt-5"',
      '',
      '[mcp_servers.calc]',
      `command = ${JSON.stringify(process.execPath)}`,
      `args = [${JSON.stringify(CLI)}, "demo", "demo"]`,
      '',
      '[mcp_servers.calc.env]',
      'LEVEL = "warn"',
      '',
      '# how the sandbox runs',
      '[sandbox_workspace_write]',
      'network_access = false',
      '',
    ].join('\n');
    const { after, config, file, project, env } = await replacedIn('codex', ['.codex', 'config.toml'], before, 'calc', { CODEX_HOME: '' });
    expect(parse(readFileSync(file, 'utf8')).servers).toEqual({ calc: { ...demo('demo'), env: { LEVEL: 'warn' } } });
    expect(after).toBe(
      ['# Codex settings', 'model = "gpt-5"', '', '# how the sandbox runs', '[sandbox_workspace_write]', 'network_access = false', '', '[mcp_servers.mcplex]', `command = ${JSON.stringify(process.execPath)}`, `args = [ ${JSON.stringify(CLI)}, "serve", "--stdio", "-c", ${JSON.stringify(file)} ]`, '', ''].join('\n'),
    );
    // Servers written as an inline table are not edited: the file is left as it was, and what to do is said.
    const inline = `mcp_servers = { calc = { command = "x" } }\n`;
    writeFileSync(config, inline);
    const refused = await mcplex(['import', 'codex', '--force', '--replace'], project, env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`${config}: its servers are not all tables [mcp_servers.<name>], so it is left as it was; take calc out by hand`);
    expect(readFileSync(config, 'utf8')).toBe(inline);
  });

  it('points opencode at the gateway in its JSONC, in the shape the file has', { timeout: 120_000 }, async () => {
    const { home, project, env } = await clientMachine();
    const v2 = join(project, 'opencode.jsonc');
    writeFileSync(v2, `{\n  // the team's agent\n  "model": "anthropic/claude",\n  "mcp": {\n    "servers": {\n      "calc": { "type": "local", "command": ${JSON.stringify([process.execPath, CLI, 'demo', 'demo'])} },\n    },\n  },\n}\n`);
    const v1 = join(home, '.config', 'opencode', 'opencode.json');
    write(v1, { mcp: { notes: { type: 'local', command: [process.execPath, CLI, 'demo', 'notes'] } } });
    const replaced = await mcplex(['import', 'opencode', '--replace'], project, env);
    expect([replaced.code, replaced.stderr]).toEqual([0, '']);
    expect(parse(readFileSync(join(project, 'mcplex.yaml'), 'utf8')).servers).toEqual({ notes: demo('notes'), calc: demo('demo') });
    const remote = { type: 'remote', url: 'http://127.0.0.1:7333/mcp' };
    const after = readFileSync(v2, 'utf8');
    expect(after).toContain("  // the team's agent\n");
    expect(readClientFile(v2, after)).toEqual({ model: 'anthropic/claude', mcp: { servers: { mcplex: remote } } });
    expect(JSON.parse(readFileSync(v1, 'utf8'))).toEqual({ mcp: { mcplex: remote } });
    const again = await mcplex(['import', 'opencode', '--force', '--replace'], project, env);
    expect(again.code).toBe(1);
  });

  it('moves the credentials the clients wrote as text to --secrets-to, and the gateway reads them back with --secrets', { timeout: 120_000 }, async () => {
    const { home, project, env } = await clientMachine();
    const token = 'ghp_1234567890abcdefghijABCDEFGHIJ123456';
    const desktop = join(home, '.config', 'Claude', 'claude_desktop_config.json');
    write(desktop, { mcpServers: { ev: { command: process.execPath, args: [EVERYTHING, 'stdio'], env: { GITHUB_TOKEN: token, REGION: 'eu' } } } });
    write(join(project, '.cursor', 'mcp.json'), { mcpServers: { docs: { url: 'http://127.0.0.1:9/mcp', headers: { Authorization: 'Bearer abc123' } } } });

    const imported = await mcplex(['import', '--secrets-to', 'mcplex.env', '--replace'], project, env);
    expect([imported.code, imported.stderr]).toEqual([0, '']);
    expect(imported.stdout).toContain('Moved to mcplex.env (readable by you only; ${NAME} in their place): GITHUB_TOKEN, DOCS_AUTHORIZATION');
    expect(imported.stdout).toContain('Serve:  mcplex serve -c mcplex.yaml --secrets mcplex.env');
    expect(imported.stdout).not.toContain('warning: a credential');
    expect(imported.stdout).not.toContain(token);
    const file = join(project, 'mcplex.yaml');
    const secrets = join(project, 'mcplex.env');
    expect(parse(readFileSync(file, 'utf8')).servers).toEqual({
      ev: { command: process.execPath, args: [EVERYTHING, 'stdio'], env: { GITHUB_TOKEN: '${GITHUB_TOKEN}', REGION: 'eu' } },
      docs: { url: 'http://127.0.0.1:9/mcp', headers: { Authorization: '${DOCS_AUTHORIZATION}' } },
    });
    expect(statSync(secrets).mode & 0o777).toBe(0o600);
    expect(parseEnv(readFileSync(secrets, 'utf8'))).toEqual({ GITHUB_TOKEN: token, DOCS_AUTHORIZATION: 'Bearer abc123' });
    // Nothing written as text is left; the file checks with them.
    const checked = await mcplex(['check', '-c', 'mcplex.yaml', '--secrets', 'mcplex.env', '--strict'], project, env);
    expect([checked.code, checked.stdout]).toEqual([0, expect.stringMatching(/^config ok: mcplex\.yaml /)]);
    expect(checked.stdout).not.toContain('warning');
    // Readable by others: said, as ssh says it of a key.
    chmodSync(secrets, 0o644);
    const shared = await mcplex(['check', '-c', 'mcplex.yaml', '--secrets', 'mcplex.env'], project, env);
    expect([shared.code, shared.stderr]).toEqual([0, 'mcplex: warning: --secrets mcplex.env can be read by other users (mode 644); chmod 600 mcplex.env\n']);
    chmodSync(secrets, 0o600);
    const unreadable = await mcplex(['check', '-c', 'mcplex.yaml', '--secrets', 'nope.env'], project, env);
    expect([unreadable.code, unreadable.stderr]).toEqual([2, 'mcplex: --secrets nope.env: cannot read it (ENOENT); give a file of NAME=value lines, or a directory of one file per variable\n']);

    // Claude Desktop now starts the gateway with --secrets: the server gets its token as before.
    const pointer = JSON.parse(readFileSync(desktop, 'utf8')).mcpServers.mcplex as { command: string; args: string[] };
    expect(pointer.args.slice(-5)).toEqual(['--stdio', '-c', file, '--secrets', secrets]);
    const transport = new StdioClientTransport({ ...pointer, cwd: home, env: { ...(process.env as Record<string, string>), ...env, MCPLEX_LOG_LEVEL: 'warn' }, stderr: 'ignore' });
    const client = new Client({ name: 'desktop', version: '1' });
    await client.connect(transport);
    try {
      const result = await client.callTool({ name: 'ev__get-env', arguments: {} });
      const seen = JSON.parse((result.content as Array<{ text: string }>)[0]!.text) as Record<string, string>;
      expect([seen.GITHUB_TOKEN, seen.REGION, seen.DOCS_AUTHORIZATION]).toEqual([token, 'eu', undefined]);
    } finally {
      await client.close();
    }

    // Not written over; nothing to move says so.
    write(join(project, 'plain.json'), { mcpServers: { p: demo('demo') } });
    const again = await mcplex(['import', 'plain.json', '-o', 'other.yaml', '--secrets-to', 'mcplex.env'], project, env);
    expect([again.code, again.stderr]).toEqual([2, 'mcplex: mcplex.env exists; give another --secrets-to, or --force to replace it\n']);
    expect(existsSync(join(project, 'other.yaml'))).toBe(false);
    const plain = await mcplex(['import', 'plain.json', '-o', 'plain.yaml', '--secrets-to', 'plain.env'], project, env);
    expect(plain.stdout).toContain('No credential written as text: nothing moved to plain.env');
    expect(existsSync(join(project, 'plain.env'))).toBe(false);
  });
});
