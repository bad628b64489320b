// docs/audit.md's config examples are real: each yaml block parses with the shipped loader and means what it says.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { parseConfig } from '../../src/gateway/config/index.js';

const doc = readFileSync(new URL('../../docs/audit.md', import.meta.url), 'utf8');
const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);

it('every audit config in docs/audit.md is valid and means what its comments say', () => {
  expect(blocks).toHaveLength(2);
  const [sqlite, postgres] = blocks.map((b) => parseConfig(`servers: {}\n${b}`, { format: 'yaml', env: { DATABASE_URL: 'postgres://u@db/x' } }).audit);
  expect(sqlite).toMatchObject({ sink: 'sqlite', path: '/var/lib/mcplex/audit.db', mode: 'spill', args: 'redacted', redactPaths: ['card.number', 'items.*.ssn'], retention: 90 * 86_400_000 });
  expect(postgres).toMatchObject({ sink: 'postgres', url: 'postgres://u@db/x', mode: 'fail-closed', waitMs: 30000 });
});
