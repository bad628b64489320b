// Credentials written in a gateway file as text: found by secretlint's rules, by the name a value sits under, by a
// credential flag before it and by a URL's password; a value that names a variable (`${VAR}`) is not one, unless its
// default (`${VAR:-default}`) is; told by
// place and kind, never by value. The files this project ships (the embedded default, the Kubernetes ConfigMap, every
// YAML example in the README and docs/) hold none.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { writtenSecrets, writtenSecretsWarning } from '../../src/gateway/config/index.js';
import { ROOT } from '../helpers/process.js';

const TOKEN = 'ghp_1234567890abcdefghijABCDEFGHIJ123456';
/** What a person is told: where and what. */
const told = async (text: string, format: 'yaml' | 'json' = 'yaml') => (await writtenSecrets(text, format)).map(({ path, kind }) => ({ path, kind }));

describe('credentials written in the file', () => {
  it('finds them by rule, by name, by flag and in a URL, and leaves variables and plain settings alone', async () => {
    const text = [
      'servers:',
      '  github:',
      '    command: npx',
      `    args: [-y, server, --api-key, abc123, --token, "\${TOKEN}", --verbose]`,
      '    env:',
      `      GH: ${TOKEN}`,
      `      OTHER_TOKEN: "\${OTHER_TOKEN}"`,
      '      DB_PASSWORD: ""',
      '      LOG_LEVEL: warn',
      '  remote:',
      '    url: https://h.example/mcp',
      '    headers: { Authorization: "Bearer abcdef", X-Trace: "yes" }',
      '  named:',
      '    url: https://h.example/mcp',
      `    headers: { Authorization: "Bearer \${API_TOKEN}" }`,
      'cluster:',
      '  redis: rediss://:s3cretPassw0rd@redis.example:6380',
      'audit: { sink: postgres, url: "postgres://audit@db.example/audit" }',
      '',
    ].join('\n');
    expect(await told(text)).toEqual([
      { path: 'servers.github.args.3', kind: "a credential flag's value" },
      { path: 'servers.remote.headers.Authorization', kind: 'named as a credential' },
      { path: 'cluster.redis', kind: 'a password in the URL' },
      { path: 'servers.github.env.GH', kind: 'GITHUB_TOKEN' },
    ]);
    // JSON too; a file that does not parse is the config's own error to name, not this check's.
    expect(await told(JSON.stringify({ servers: { s: { command: 'x', env: { API_KEY: 'k-123' } } } }), 'json')).toEqual([{ path: 'servers.s.env.API_KEY', kind: 'named as a credential' }]);
    expect(await writtenSecrets('servers: [', 'yaml')).toEqual([]);
    // Each key as it is, a dot in one too.
    expect(await writtenSecrets(JSON.stringify({ servers: { s: { command: 'x', env: { 'my.token': TOKEN } } } }), 'json')).toEqual([
      { path: 'servers.s.env.my.token', keys: ['servers', 's', 'env', 'my.token'], kind: 'GITHUB_TOKEN' },
    ]);
  });

  it("finds one written as a variable's default, and leaves other defaults alone", async () => {
    const text = [
      `listen: { port: "\${PORT:-7333}" }`,
      'servers:',
      '  s:',
      '    command: x',
      `    args: [--api-key, "\${API_KEY:-k-123}", --token, "\${TOKEN:-}"]`,
      `    env: { API_KEY: "\${API_KEY:-k-123}", LOG_LEVEL: "\${LEVEL:-warn}", SECRET: "\${SECRET}" }`,
      `cluster: { redis: "\${REDIS_URL:-rediss://:pw@redis.example:6380}" }`,
      '',
    ].join('\n');
    expect(await told(text)).toEqual([
      { path: 'servers.s.args.1', kind: `a credential flag's value, as a \${…:-default}` },
      { path: 'servers.s.env.API_KEY', kind: `named as a credential, as a \${…:-default}` },
      { path: 'cluster.redis', kind: `a password in the URL, as a \${…:-default}` },
    ]);
  });

  it('says where and what to do, never the value', async () => {
    const lines = writtenSecretsWarning(await writtenSecrets(`servers:\n  g:\n    command: x\n    env: { GH: ${TOKEN} }\n`, 'yaml'));
    expect(lines).toEqual([
      'warning: a credential is written in the file (anyone who reads it has it):',
      '  servers.g.env.GH (GITHUB_TOKEN)',
      `  name each as \${VAR} and set it in the gateway's environment or a --secrets file, or move a stdio server's env to its envFile`,
    ]);
    expect(writtenSecretsWarning([])).toEqual([]);
  });

  it('none in the files this project ships', async () => {
    const texts: Array<[string, string]> = [['mcplex.example.yaml', readFileSync(join(ROOT, 'mcplex.example.yaml'), 'utf8')]];
    const manifest = parseAllDocuments(readFileSync(join(ROOT, 'deploy/kubernetes/mcplex.yaml'), 'utf8')).map((d) => d.toJS() as { kind: string; data?: Record<string, string> });
    texts.push(['the ConfigMap', manifest.find((d) => d.kind === 'ConfigMap')!.data!['mcplex.yaml']!]);
    const docs = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
    for (const doc of docs) {
      for (const [, block] of readFileSync(join(ROOT, doc), 'utf8').matchAll(/```ya?ml\n([\s\S]*?)```/g)) texts.push([doc, block!]);
    }
    expect(texts.length).toBeGreaterThan(40);
    for (const [where, text] of texts) expect(await told(text), where).toEqual([]);
  });
});
