// The README's examples are real: its full gateway config parses with the shipped loader and means what it says.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { parseConfig } from '../../src/gateway/config/index.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

function yamlBlockAfter(heading: string): string {
  const start = readme.indexOf(heading);
  const block = /```yaml\n([\s\S]*?)```/.exec(readme.slice(start));
  if (start < 0 || !block) throw new Error(`no yaml block after '${heading}'`);
  return block[1]!;
}

it('the full configuration in the README is valid and means what the comments say', () => {
  const config = parseConfig(yamlBlockAfter('A full configuration'), { format: 'yaml', env: { GITHUB_TOKEN: 't0ken' } });
  expect(config.listen).toEqual({ host: '127.0.0.1', port: 7333, path: '/mcp' });
  const { files, github, legacy, tools, old } = config.servers;
  expect(files).toMatchObject({ transport: 'stdio', command: 'npx', namespace: 'files', tools: { rename: { read_text_file: 'read' } } });
  expect(github).toMatchObject({ transport: 'http', headers: { Authorization: 'Bearer t0ken' }, timeoutMs: 30000, connectTimeoutMs: 5000 });
  expect(github).toMatchObject({ maxMessageBytes: 33554432, tasks: { 'build_*': 'optional', deploy: 'required' } });
  expect(legacy).toMatchObject({ transport: 'sse' });
  expect(tools).toMatchObject({ namespace: false });
  expect(old).toMatchObject({ enabled: false });
});

it('the README names the two quick-start commands exactly', () => {
  expect(readme).toContain('npm ci && npm start');
  expect(readme).toContain('npm ci && npm test');
});

it('the version every component reports is the package version', async () => {
  const { VERSION } = await import('../../src/core/index.js');
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  expect(VERSION).toBe(pkg.version);
});

it('the endpoints example parses into the paths and views its comments name', () => {
  const config = parseConfig(`servers: { docs: { command: x } }\n${yamlBlockAfter('## Endpoints')}`, { format: 'yaml' });
  expect(config.endpoints).toEqual({
    research: { path: '/research/mcp', include: ['server:docs', 'tool:github__search_*'], toolSearch: true },
    support: { path: '/support', include: ['server:tickets', 'prompt:*'], exclude: ['tool:*__delete_*'] },
  });
});

it('the secretScan example parses into the settings its comments name', () => {
  const config = parseConfig(`servers: { a: { command: x } }\n${yamlBlockAfter('## Secrets in tool traffic')}`, { format: 'yaml' });
  expect(config.secretScan).toEqual({ arguments: 'block', results: 'redact', allow: ['BasicAuth'], except: ['server:vault'] });
});

it('the development loop example watches the source it runs, and leaves the tests out', () => {
  const config = parseConfig(yamlBlockAfter('## Developing a server behind the gateway'), { format: 'yaml' });
  expect(config.servers.mine).toMatchObject({ transport: 'stdio', command: 'npx', args: ['tsx', 'src/main.ts'], watch: ['src/**/*.ts', '!src/**/*.test.ts'] });
});
