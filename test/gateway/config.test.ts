// The gateway config loader, table-driven: each invalid config yields exactly these messages, each valid one
// exactly this GatewayConfig; then loadConfig against real files.
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} in plain strings is the config syntax under test
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import {
  ConfigInvalidError,
  formatConfigError,
  type GatewayConfig,
  type HttpServerConfig,
  loadConfig,
  parseConfig,
  type StdioServerConfig,
} from '../../src/gateway/config/index.js';

interface Case {
  name: string;
  text: string;
  format?: 'yaml' | 'json';
  env?: NodeJS.ProcessEnv;
}

function issuesOf(c: Case): string[] {
  try {
    parseConfig(c.text, { format: c.format ?? 'yaml', env: c.env ?? {}, ...(c.format === 'json' ? {} : { source: 'mcplex.yaml' }) });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigInvalidError);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigInvalidError).code).toBe('MCPLEX_ERR_CONFIG_INVALID');
    return (err as ConfigInvalidError).issues;
  }
  throw new Error('expected the config to be rejected');
}

const invalid: (Case & { issues: string[] })[] = [
  {
    name: 'missing command',
    text: 'servers:\n  github:\n    args: [x]\n',
    issues: ['servers.github.command: required for stdio servers (or give url)'],
  },
  {
    name: 'command and url together',
    text: 'servers:\n  x: { command: npx, url: "http://h/mcp" }\n',
    issues: ['servers.x: give either command (stdio) or url (http/sse), not both'],
  },
  {
    name: 'port out of range',
    text: 'listen: { port: 70000 }\nservers: {}\n',
    issues: ['listen.port: expected an integer 0-65535'],
  },
  {
    name: 'port not an integer (from the environment)',
    text: 'listen: { port: "${PORT}" }\nservers: {}\n',
    env: { PORT: 'eighty' },
    issues: ['listen.port: expected an integer 0-65535'],
  },
  {
    name: 'listen.path without a leading slash, and an unknown listen key',
    text: 'listen: { path: mcp, bind: 0.0.0.0 }\nservers: {}\n',
    issues: ["listen.path: must start with '/' (e.g. /mcp)", "listen.bind: unknown key (use 'host' (the interface to listen on))"],
  },
  {
    name: 'duplicate namespace',
    text: 'servers:\n  a: { command: x, namespace: b }\n  b: { command: y }\n',
    issues: ["servers.a.namespace: 'b' is already used by servers.b (namespaces must be unique)"],
  },
  {
    name: 'url that is not http(s)',
    text: 'servers:\n  x: { url: "ftp://files.example.com/mcp" }\n',
    issues: ['servers.x.url: must be an http(s) URL'],
  },
  {
    name: 'two tools renamed to the same name',
    text: 'servers:\n  x:\n    command: y\n    tools: { rename: { a: c, b: c } }\n',
    issues: ["servers.x.tools.rename: 'a' and 'b' are both renamed to 'c'"],
  },
  {
    name: 'missing environment variable',
    text: 'servers:\n  github:\n    command: gh-mcp\n    env: { GITHUB_TOKEN: "${GITHUB_TOKEN}" }\n',
    issues: ['servers.github.env.GITHUB_TOKEN: environment variable GITHUB_TOKEN is not set (export it, or write ${GITHUB_TOKEN:-default})'],
  },
  {
    name: 'malformed and unterminated references',
    text: 'servers:\n  x: { command: "${", args: ["${1A}", "${A:-${B}}"] }\n',
    issues: [
      'servers.x.command: unterminated ${ (close it with }, or write $${ for a literal ${)',
      'servers.x.args[0]: malformed ${…}: expected ${NAME} or ${NAME:-default} (write $${ for a literal ${)',
      'servers.x.args[1]: the default of ${A} may not contain another ${…} (defaults are literal text)',
    ],
  },
  {
    name: 'unknown server key with a did-you-mean hint',
    text: 'servers:\n  github:\n    comand: npx\n',
    issues: ["servers.github.comand: unknown key (did you mean 'command'?)", 'servers.github.command: required for stdio servers (or give url)'],
  },
  {
    name: 'unknown top-level key with a hint',
    text: 'separater: "."\nservers: {}\n',
    issues: ["separater: unknown key (did you mean 'separator'?)"],
  },
  {
    name: "another client's key",
    text: 'servers:\n  x: { command: y, disabled: true, timeout: 5 }\n',
    issues: ["servers.x.disabled: unknown key (use 'enabled: false')", "servers.x.timeout: unknown key (did you mean 'timeoutMs'?)"],
  },
  {
    name: 'namespace containing the separator',
    text: 'servers:\n  x: { command: y, namespace: my__ns }\n',
    issues: ["servers.x.namespace: 'my__ns' contains the separator '__' (choose another namespace, or change separator)"],
  },
  {
    name: 'namespace with bad characters, or not a name',
    text: 'servers:\n  x: { command: y, namespace: "a.b" }\n  z: { command: y, namespace: true }\n',
    issues: [
      "servers.x.namespace: may only contain letters, digits, '_' and '-' (or write false to mount at the root)",
      'servers.z.namespace: expected a name, or false to mount at the root',
    ],
  },
  {
    name: 'server names: bad characters, and the separator',
    text: 'separator: "-"\nservers:\n  "my server": { command: y }\n  my-server: { command: y }\n',
    issues: [
      'servers["my server"]: server names may only contain letters, digits, \'_\' and \'-\' (rename the key)',
      "servers.my-server: server names must not contain the separator '-' (rename the key, or change separator)",
    ],
  },
  {
    name: 'both servers and mcpServers',
    text: 'servers: {}\nmcpServers: {}\n',
    issues: ['mcpServers: give either servers or mcpServers, not both (mcpServers is an alias of servers)'],
  },
  {
    name: 'no servers at all',
    text: 'listen: { port: 1 }\n',
    issues: ['servers: required (a mapping of server name to server config; mcpServers is accepted too)'],
  },
  {
    name: 'transport that contradicts the fields given',
    text: 'servers:\n  a: { transport: sse, command: x }\n  b: { type: stdio, url: "http://h" }\n  c: { transport: http }\n  d: { transport: stdio }\n',
    issues: [
      "servers.a.transport: 'sse' servers need url instead of command",
      "servers.b.type: 'stdio' servers need command instead of url",
      'servers.c.url: required for http servers',
      'servers.d.command: required for stdio servers',
    ],
  },
  {
    name: 'unknown transport, and type contradicting transport',
    text: 'servers:\n  a: { transport: websocket, url: "http://h" }\n  b: { transport: http, type: sse, url: "http://h" }\n',
    issues: ['servers.a.transport: expected one of stdio, http, streamable-http, sse', 'servers.b.type: conflicts with transport (type is an alias of transport; give only one)'],
  },
  {
    name: 'fields of the other transport',
    text: 'servers:\n  a: { command: x, headers: { A: b } }\n  b: { url: "http://h", args: [x], env: { A: b }, cwd: /tmp }\n',
    issues: [
      'servers.a.headers: only for http/sse servers (this one has command)',
      'servers.b.args: only for stdio servers (this one has url)',
      'servers.b.env: only for stdio servers (this one has url)',
      'servers.b.cwd: only for stdio servers (this one has url)',
    ],
  },
  {
    name: 'bad timeouts, enabled, and types',
    text: 'servers:\n  a: { command: x, timeoutMs: 0, connectTimeoutMs: 1.5, maxMessageBytes: -1, enabled: yes, args: "a b", env: [] }\n',
    issues: [
      'servers.a.args: expected a list of strings (one argument per item)',
      'servers.a.env: expected a mapping of variable name to value',
      'servers.a.enabled: expected true or false',
      'servers.a.timeoutMs: expected a positive integer (milliseconds)',
      'servers.a.connectTimeoutMs: expected a positive integer (milliseconds)',
      'servers.a.maxMessageBytes: expected a positive integer',
    ],
  },
  {
    name: 'tools filter mistakes',
    text: 'servers:\n  a:\n    command: x\n    tools: { include: [""], exclude: 3, rename: { x: "has space" }, only: [y] }\n',
    issues: [
      'servers.a.tools.include[0]: expected a glob pattern (a non-empty string)',
      'servers.a.tools.exclude: expected a list of glob patterns',
      "servers.a.tools.rename.x: must be 1-128 letters, digits, '_', '-' or '.'",
      'servers.a.tools.only: unknown key (expected one of: include, exclude, rename, pin, override, hiddenText)',
    ],
  },
  {
    name: 'bad header name and header value (the value is never shown)',
    text: 'servers:\n  a:\n    url: "https://h/mcp"\n    headers: { "Bad Name": x, Authorization: "Bearer ${TOKEN}" }\n',
    env: { TOKEN: 's3cr3t\r\nX-Injected: 1' },
    issues: ['servers.a.headers["Bad Name"]: not a valid HTTP header name', 'servers.a.headers.Authorization: must not contain line breaks'],
  },
  {
    name: 'separator, and a server entry that is not a mapping',
    text: 'separator: "/"\nservers:\n  a: [npx]\n',
    issues: ["separator: expected a non-empty string of '_', '-' or '.' (e.g. '__')", 'servers.a: expected a mapping with command (stdio) or url (http/sse)'],
  },
  {
    name: 'top level that is not a mapping',
    text: '- servers\n',
    issues: ['(top level): expected a mapping with listen, separator and servers'],
  },
  {
    name: 'a reserved key',
    text: '{"servers": {"__proto__": {"command": "x"}}}',
    format: 'json',
    issues: ['servers.__proto__: reserved key name (rename it)'],
  },
  {
    name: 'every problem at once, in file order',
    text: [
      'listen: { port: -1 }',
      'servers:',
      '  one: { command: x, url: "http://h" }',
      '  two: { url: "${HOST}/mcp", tools: { rename: { a: z, b: z, c: z } } }',
      '  three: { command: x, namespace: one }',
    ].join('\n'),
    issues: [
      'listen.port: expected an integer 0-65535',
      'servers.one: give either command (stdio) or url (http/sse), not both',
      'servers.two.url: environment variable HOST is not set (export it, or write ${HOST:-default})',
      "servers.two.tools.rename: 'a', 'b' and 'c' are all renamed to 'z'",
      "servers.three.namespace: 'one' is already used by servers.one (namespaces must be unique)",
    ],
  },
  {
    name: 'YAML syntax error with file, line and column',
    text: 'servers:\n  a:\n    command: x\n   args: [y]\n',
    issues: ['mcplex.yaml:4:1: YAML syntax error: All mapping items must start at the same column'],
  },
  {
    name: 'YAML duplicate key',
    text: 'servers:\n  a: { command: x }\n  a: { command: y }\n',
    issues: ['mcplex.yaml:3:3: YAML syntax error: Map keys must be unique'],
  },
  {
    name: 'JSON trailing comma',
    text: '{\n  "mcpServers": {\n    "fs": { "command": "npx", }\n  }\n}',
    format: 'json',
    issues: ["line 3, column 29: JSON syntax error: trailing comma before '}' (remove it)"],
  },
  {
    name: 'JSON missing comma',
    text: '{"mcpServers": {"fs": {"command": "npx" "args": []}}}',
    format: 'json',
    issues: [`line 1, column 41: JSON syntax error: expected ',' or '}' after a value, found '"' (is a comma missing?)`],
  },
  {
    name: 'JSON duplicate key',
    text: '{"mcpServers": {"fs": {"command": "a", "command": "b"}}}',
    format: 'json',
    issues: ['line 1, column 40: JSON syntax error: duplicate key "command"'],
  },
  {
    name: 'JSON comment',
    text: '{\n  // my servers\n  "servers": {}\n}',
    format: 'json',
    issues: ['line 2, column 3: JSON syntax error: comments are not allowed in JSON (use a .yaml file to keep comments)'],
  },
];

describe('parseConfig rejects', () => {
  it.each(invalid)('$name', (c) => {
    expect(issuesOf(c)).toEqual(c.issues);
  });

  it('lists every issue in the message, one per line', () => {
    const c = invalid.find((x) => x.name.startsWith('every problem'))!;
    const err = (() => {
      try {
        parseConfig(c.text, { format: 'yaml', env: {}, source: 'gw.yaml' });
      } catch (e) {
        return e as ConfigInvalidError;
      }
    })()!;
    expect(err.message).toBe(`invalid config gw.yaml:\n${c.issues.map((i) => `  - ${i}`).join('\n')}`);
    expect(formatConfigError(err)).toBe(`mcplex: invalid config gw.yaml:\n${c.issues.map((i) => `  - ${i}`).join('\n')}`);
  });

  it('never shows secret values', () => {
    const secret = 's3cr3t-t0ken';
    const cases: Case[] = [
      { name: 'header', text: 'servers:\n  a: { url: "https://h", headers: { X: "${T}" } }', env: { T: `${secret}\n` } },
      { name: 'url', text: 'servers:\n  a: { url: "${U}" }', env: { U: `ftp://u:${secret}@h/` } },
      { name: 'json', text: `{"servers": {"a": {"env": {"K": "${secret}"} "x": 1}}}`, format: 'json' },
      { name: 'yaml', text: `servers:\n  a:\n    env: { K: ${secret} }\n   x: 1\n`, format: 'yaml' },
    ];
    for (const c of cases) {
      const issues = issuesOf(c);
      expect(issues.length).toBeGreaterThan(0);
      expect(issues.join('\n')).not.toContain(secret);
    }
  });
});

const common = { enabled: true, timeoutMs: 60_000, connectTimeoutMs: 15_000, tools: { rename: {} } };
const stdio = (name: string, over: Partial<StdioServerConfig> = {}): StdioServerConfig => ({
  name,
  namespace: name,
  ...common,
  transport: 'stdio',
  command: 'npx',
  args: [],
  env: {},
  ...over,
});
const http = (name: string, over: Partial<HttpServerConfig> = {}): HttpServerConfig => ({
  name,
  namespace: name,
  ...common,
  transport: 'http',
  url: 'https://api.example.com/mcp',
  headers: {},
  ...over,
});
const gateway = (servers: GatewayConfig['servers'], over: Partial<GatewayConfig> = {}): GatewayConfig => ({
  listen: { host: '127.0.0.1', port: 7333, path: '/mcp' },
  separator: '__',
  servers,
  ...over,
});

const valid: (Case & { expected: GatewayConfig })[] = [
  {
    name: 'minimal stdio server: defaults filled in',
    text: 'servers:\n  fs:\n    command: npx\n',
    expected: gateway({ fs: stdio('fs') }),
  },
  {
    name: 'stdio server with every option',
    text: [
      'listen: { host: 0.0.0.0, port: 8080, path: /gateway }',
      'separator: "."',
      'servers:',
      '  fs:',
      '    command: npx',
      '    args: [-y, "@modelcontextprotocol/server-filesystem", 8080]',
      '    env: { DEBUG: 1, MODE: fast }',
      '    cwd: /srv',
      '    namespace: files',
      '    enabled: false',
      '    timeoutMs: 5000',
      '    connectTimeoutMs: "2000"',
      '    maxMessageBytes: 1048576',
      '    tools:',
      '      include: ["read_*", list]',
      '      exclude: "*_dangerous"',
      '      rename: { read_file: read, list: ls }',
    ].join('\n'),
    expected: gateway(
      {
        fs: stdio('fs', {
          args: ['-y', '@modelcontextprotocol/server-filesystem', '8080'],
          env: { DEBUG: '1', MODE: 'fast' },
          cwd: '/srv',
          namespace: 'files',
          enabled: false,
          timeoutMs: 5000,
          connectTimeoutMs: 2000,
          maxMessageBytes: 1048576,
          tools: { include: ['read_*', 'list'], exclude: ['*_dangerous'], rename: { read_file: 'read', list: 'ls' } },
        }),
      },
      { listen: { host: '0.0.0.0', port: 8080, path: '/gateway' }, separator: '.' },
    ),
  },
  {
    name: 'http, streamable-http, sse (by transport and by type) servers',
    text: [
      'servers:',
      '  a: { url: "https://api.example.com/mcp", headers: { Authorization: "Bearer ${TOKEN}" } }',
      '  b: { transport: streamable-http, url: "https://api.example.com/mcp" }',
      '  c: { transport: sse, url: "https://api.example.com/mcp" }',
      '  d: { type: sse, url: "https://api.example.com/mcp", namespace: false }',
      '  e: { type: http, transport: streamable-http, url: "https://api.example.com/mcp", namespace: false }',
    ].join('\n'),
    env: { TOKEN: 'tok' },
    expected: gateway({
      a: http('a', { headers: { Authorization: 'Bearer tok' } }),
      b: http('b'),
      c: http('c', { transport: 'sse' }),
      d: http('d', { transport: 'sse', namespace: false }),
      e: http('e', { namespace: false }),
    }),
  },
  {
    name: "Claude Desktop's mcpServers JSON",
    format: 'json',
    text: JSON.stringify({
      mcpServers: {
        filesystem: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', '/Users/me/Desktop'] },
        github: { type: 'stdio', command: 'docker', args: ['run', '-i', 'ghcr.io/github/github-mcp-server'], env: { GITHUB_PERSONAL_ACCESS_TOKEN: '${GH:-none}' } },
        remote: { type: 'http', url: 'https://api.example.com/mcp', headers: { 'X-Api-Key': 'k' } },
      },
    }),
    expected: gateway({
      filesystem: stdio('filesystem', { args: ['-y', '@modelcontextprotocol/server-filesystem', '/Users/me/Desktop'] }),
      github: stdio('github', { command: 'docker', args: ['run', '-i', 'ghcr.io/github/github-mcp-server'], env: { GITHUB_PERSONAL_ACCESS_TOKEN: 'none' } }),
      remote: http('remote', { headers: { 'X-Api-Key': 'k' } }),
    }),
  },
  {
    name: 'interpolation: values, defaults, empty variables, escapes, numbers and booleans',
    text: [
      'listen: { port: "${PORT:-7333}" }',
      'servers:',
      '  s:',
      '    command: "${BIN}"',
      '    args: ["--user=${USER_NAME:-nobody}", "--home=${HOME_DIR:-/tmp}", "$${NOT_A_VAR}", "cost: $5", "${EMPTY}"]',
      '    enabled: "${ENABLED:-true}"',
      '    timeoutMs: ${TIMEOUT}',
    ].join('\n'),
    env: { PORT: '9000', BIN: 'node', HOME_DIR: '', EMPTY: '', ENABLED: 'false', TIMEOUT: '100' },
    expected: gateway(
      { s: stdio('s', { command: 'node', args: ['--user=nobody', '--home=/tmp', '${NOT_A_VAR}', 'cost: $5', ''], enabled: false, timeoutMs: 100 }) },
      { listen: { host: '127.0.0.1', port: 9000, path: '/mcp' } },
    ),
  },
  {
    name: 'the same namespace on a disabled server, and null containers',
    text: 'servers:\n  a: { command: x, env: null, args: null }\n  old-a: { command: y, namespace: a, enabled: false }\n',
    expected: gateway({ a: stdio('a', { command: 'x' }), 'old-a': stdio('old-a', { command: 'y', namespace: 'a', enabled: false }) }),
  },
  {
    name: 'YAML merge keys',
    text: 'servers:\n  a: &d { command: x, timeoutMs: 5 }\n  b: { <<: *d, args: [q] }\n',
    expected: gateway({ a: stdio('a', { command: 'x', timeoutMs: 5 }), b: stdio('b', { command: 'x', timeoutMs: 5, args: ['q'] }) }),
  },
  { name: 'an empty servers map', text: 'servers:\n', expected: gateway({}) },
];

describe('parseConfig accepts', () => {
  it.each(valid)('$name', (c) => {
    expect(parseConfig(c.text, { format: c.format ?? 'yaml', env: c.env ?? {} })).toEqual(c.expected);
  });

  it('keeps server order and gives maps no inherited keys', () => {
    const config = parseConfig('servers:\n  z: { command: a }\n  a: { command: b, tools: { rename: { x: y } } }\n', { format: 'yaml', env: {} });
    expect(Object.keys(config.servers)).toEqual(['z', 'a']);
    expect(config.servers.a!.tools.rename.toString).toBeUndefined();
    expect(config.servers.a!.tools.rename.x).toBe('y');
  });
});

describe('loadConfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcplex-config-'));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('reads YAML (.yaml and .yml) with interpolation from the given env', async () => {
    const yaml = 'servers:\n  gh:\n    url: "https://h/mcp"\n    headers: { Authorization: "Bearer ${TOKEN}" }\n';
    const expected = gateway({ gh: http('gh', { url: 'https://h/mcp', headers: { Authorization: 'Bearer t' } }) });
    expect(await loadConfig(file('a.yaml', yaml), { TOKEN: 't' })).toEqual(expected);
    expect(await loadConfig(file('a.yml', yaml), { TOKEN: 't' })).toEqual(expected);
  });

  it('reads JSON, BOM included', async () => {
    const path = file('claude.json', '\uFEFF{"mcpServers": {"fs": {"command": "npx"}}}');
    expect(await loadConfig(path, {})).toEqual(gateway({ fs: stdio('fs') }));
  });

  it('a missing file is a ConfigError naming the path', async () => {
    const path = join(dir, 'nope.yaml');
    const err = await loadConfig(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err).not.toBeInstanceOf(ConfigInvalidError);
    expect((err as ConfigError).code).toBe('MCPLEX_ERR_CONFIG_NOT_FOUND');
    expect((err as ConfigError).message).toBe(`config file not found: ${path}`);
    expect(formatConfigError(err)).toBe(`mcplex: config file not found: ${path}`);
  });

  it('a YAML syntax error shows file, line and column', async () => {
    const path = file('broken.yaml', 'listen:\n  port: 1\nservers:\n  a: { command: x\n');
    const err = (await loadConfig(path).catch((e: unknown) => e)) as ConfigInvalidError;
    expect(err).toBeInstanceOf(ConfigInvalidError);
    expect(err.issues).toHaveLength(1);
    expect(err.issues[0]).toMatch(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:5:1: YAML syntax error: `));
    expect(formatConfigError(err)).toBe(`mcplex: invalid config ${path}:\n  - ${err.issues[0]}`);
  });

  it('a JSON syntax error shows file, line and column', async () => {
    const path = file('broken.json', '{\n  "servers": {\n    "a": { "command": "x" },\n  }\n}\n');
    const err = (await loadConfig(path).catch((e: unknown) => e)) as ConfigInvalidError;
    expect(err.issues).toEqual([`${path}:3:28: JSON syntax error: trailing comma before '}' (remove it)`]);
  });

  it('loads the shipped example config', async () => {
    const config = await loadConfig(join(import.meta.dirname, '../../mcplex.example.yaml'), {});
    expect(config.listen.port).toBe(7333);
    expect(Object.keys(config.servers)).toEqual(['demo', 'notes', 'files', 'shop']);
    expect(config.servers.notes!.tools.rename).toEqual({ list_notes: 'list' });
    expect(config.endpoints).toEqual({ notes: { path: '/notes/mcp', include: ['server:notes'] } });
    expect(config.servers.files).toMatchObject({ transport: 'builtin', builtin: 'filesystem', options: { readOnly: true, roots: [join(import.meta.dirname, '../../samples/files')] } });
  });
});
