// docs/policy.md's framework example (examples/policy-server.ts) runs as a real stdio process, in both eras,
// and does what the doc says: hidden tools are absent and refused as unknown, constraints and scopes refuse.
import type { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/gateway/config/index.js';
import { ErrorCode } from '../../src/index.js';
import { newClient } from '../helpers/clients.js';
import { ROOT, tsxArgs } from '../helpers/process.js';
import { failure } from '../middleware/policy-fixture.js';

const doc = readFileSync(new URL('../../docs/policy.md', import.meta.url), 'utf8');
const example = readFileSync(new URL('../../examples/policy-server.ts', import.meta.url), 'utf8');

it('docs/policy.md shows the example file as it is', () => {
  const body = example.split('\n').slice(2).join('\n').trim();
  expect(doc).toContain(body);
});

it("docs/policy.md's gateway section is a valid policy that means what it says", () => {
  const start = doc.indexOf('## In the gateway');
  const yaml = /```yaml\n([\s\S]*?)```/.exec(doc.slice(start))![1]!;
  const { policy } = parseConfig(`servers: {}\n${yaml}`, { format: 'yaml', env: { REDIS_URL: 'redis://127.0.0.1:6379' } });
  expect(policy?.store).toEqual({ kind: 'redis', url: 'redis://127.0.0.1:6379', prefix: 'mcplex:rl:' });
  expect(policy?.access?.principals?.alice).toEqual({ roles: ['reader', 'maintainer'] });
  expect(policy?.access?.roles?.maintainer?.[0]?.constraints?.arguments).toEqual({ repo: { glob: ['acme/*'] }, per_page: { max: 100 } });
  expect(policy?.scopes.tools).toEqual({ github__delete_repo: ['admin:repo'] });
  expect(policy?.tenants.acme).toEqual({ calls: { limit: 10000, windowMs: 3600000 }, concurrent: 20, upstreams: ['github', 'docs'] });
  expect(policy?.rateLimits).toHaveLength(3);
  expect(policy?.rateLimits?.[2]).toMatchObject({ per: ['client'], limit: 600, windowMs: 60000 });
});

describe.each(['legacy', 'modern'] as const)('examples/policy-server.ts, %s era', (era) => {
  it('filters, refuses hidden tools as unknown, enforces constraints and scopes', async () => {
    const transport = new StdioClientTransport({ command: process.execPath, args: tsxArgs('examples/policy-server.ts'), cwd: ROOT, stderr: 'pipe' });
    transport.stderr?.on('data', () => {});
    const client: Client = newClient(era);
    await client.connect(transport);
    try {
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['notes__search', 'notes__append']);
      expect((await client.callTool({ name: 'notes__search', arguments: { q: 'mcp', limit: 5 } })).content).toEqual([{ type: 'text', text: "found 'mcp'" }]);
      expect(await failure(client.callTool({ name: 'notes__delete', arguments: { id: '1' } }))).toMatchObject({
        code: ErrorCode.InvalidParams,
        message: expect.stringContaining('Unknown tool: notes__delete'),
      });
      expect(await failure(client.callTool({ name: 'notes__search', arguments: { q: 'mcp', limit: 500 } }))).toMatchObject({ code: ErrorCode.Forbidden });
      expect(await failure(client.callTool({ name: 'notes__append', arguments: { text: 'x' } }))).toMatchObject({
        code: ErrorCode.Forbidden,
        data: { error: 'insufficient_scope', scope: 'notes:write' },
      });
    } finally {
      await client.close();
    }
  }, 30_000);
});
