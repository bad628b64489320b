// `mcplex serve` on an invalid or missing config: exit code 2, the loader's path-and-fix message on stderr
// (exactly once, prefixed `mcplex: `), nothing on stdout, and no gateway or upstream started.
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} in plain strings is the config syntax under test
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { killStarted } from '../helpers/process.js';
import { runCli } from './fixtures/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'mcplex-cli-config-'));
afterAll(() => killStarted());

interface Case {
  name: string;
  file: string;
  text: string;
  issues: (path: string) => string[];
}

const cases: Case[] = [
  { name: 'missing command', file: 'a.yaml', text: 'servers:\n  github:\n    args: [x]\n', issues: () => ['servers.github.command: required for stdio servers (or give url)'] },
  {
    name: 'unknown key with a did-you-mean hint',
    file: 'b.yaml',
    text: 'servers:\n  github:\n    comand: npx\n',
    issues: () => ["servers.github.comand: unknown key (did you mean 'command'?)", 'servers.github.command: required for stdio servers (or give url)'],
  },
  { name: 'port out of range', file: 'c.yaml', text: 'listen: { port: 70000 }\nservers: {}\n', issues: () => ['listen.port: expected an integer 0-65535'] },
  {
    name: 'missing environment variable',
    file: 'd.yaml',
    text: 'servers:\n  gh:\n    command: gh-mcp\n    env: { TOKEN: "${MCPLEX_TEST_UNSET_TOKEN}" }\n',
    issues: () => ['servers.gh.env.TOKEN: environment variable MCPLEX_TEST_UNSET_TOKEN is not set (export it, or write ${MCPLEX_TEST_UNSET_TOKEN:-default})'],
  },
  {
    name: 'duplicate namespace',
    file: 'e.yaml',
    text: 'servers:\n  a: { command: x, namespace: b }\n  b: { command: y }\n',
    issues: () => ["servers.a.namespace: 'b' is already used by servers.b (namespaces must be unique)"],
  },
  {
    name: 'YAML syntax error with file, line and column',
    file: 'f.yaml',
    text: 'servers:\n  a:\n    command: x\n   args: [y]\n',
    issues: (path) => [`${path}:4:1: YAML syntax error: All mapping items must start at the same column`],
  },
  {
    name: 'JSON trailing comma (.json is parsed as JSON)',
    file: 'g.json',
    text: '{\n  "mcpServers": {\n    "fs": { "command": "npx", }\n  }\n}',
    issues: (path) => [`${path}:3:29: JSON syntax error: trailing comma before '}' (remove it)`],
  },
  {
    name: "another client's keys",
    file: 'h.yaml',
    text: 'servers:\n  x: { command: y, disabled: true, timeout: 5 }\n',
    issues: () => ["servers.x.disabled: unknown key (use 'enabled: false')", "servers.x.timeout: unknown key (did you mean 'timeoutMs'?)"],
  },
];

async function serveExpectingExit(config: string) {
  const cli = runCli(['serve', '--config', config, '--port', '0']);
  const exit = await cli.exited(20_000);
  return { ...exit, stdout: cli.stdout(), stderr: cli.stderr() };
}

describe('mcplex serve with a bad config', () => {
  it.concurrent.each(cases)('$name → exit 2 and the message', async (c) => {
    const path = join(dir, c.file);
    writeFileSync(path, c.text);
    const res = await serveExpectingExit(path);
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr).toBe(`mcplex: invalid config ${path}:\n${c.issues(path).map((i) => `  - ${i}`).join('\n')}\n`);
  });

  it.concurrent('a missing file → exit 2 naming the path', async () => {
    const path = join(dir, 'does-not-exist.yaml');
    const res = await serveExpectingExit(path);
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr).toBe(`mcplex: config file not found: ${path}\n`);
  });

  it.concurrent('a directory → exit 2 naming the path', async () => {
    const res = await serveExpectingExit(dir);
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr).toBe(`mcplex: cannot read config file ${dir}: it is a directory\n`);
  });
});
