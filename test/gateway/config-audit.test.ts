// The `audit:` section of the gateway file: defaults, both stores, and errors that name the path and the fix.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/index.js';
import { rejection } from '../helpers/config.js';

const parse = (audit: string, env: NodeJS.ProcessEnv = {}) => parseConfig(`servers: {}\naudit:${audit}\n`, { format: 'yaml', env });
const issues = (audit: string) => rejection(() => parse(audit));

describe('audit config', () => {
  it('absent means no audit; `audit:` alone means a SQLite log with the defaults', () => {
    expect(parseConfig('servers: {}\n', { format: 'yaml' }).audit).toBeUndefined();
    expect(parse('').audit).toEqual({
      sink: 'sqlite',
      path: 'mcplex-audit.db',
      synchronous: 'normal',
      schema: 'public',
      table: 'mcplex_audit',
      mode: 'spill',
      spillPath: 'mcplex-audit.db.spill.jsonl',
      args: 'digest',
      redactPaths: [],
      waitMs: 30_000,
      batchSize: 200,
      maxQueue: 10_000,
      anchorLogEvery: 600_000,
    });
    expect(parse('\n  enabled: false').audit).toBeUndefined();
  });

  it('takes a PostgreSQL store from the environment, fail-closed, with redacted args', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the config's own interpolation syntax
    const config = parse('\n  sink: postgres\n  url: ${DATABASE_URL}\n  mode: fail-closed\n  args: redacted\n  redactPaths: [card.number]\n  waitMs: "500"', {
      DATABASE_URL: 'postgres://u@db/audit',
    });
    expect(config.audit).toMatchObject({ sink: 'postgres', url: 'postgres://u@db/audit', mode: 'fail-closed', args: 'redacted', redactPaths: ['card.number'], waitMs: 500, spillPath: 'mcplex-audit.spill.jsonl' });
    expect(config.audit).not.toHaveProperty('path');
    expect(parse('\n  synchronous: full').audit?.synchronous).toBe('full');
  });

  it('names each bad key with its path and what to write instead', () => {
    expect(issues('\n  sink: mysql\n  spilPath: x.jsonl')).toEqual([
      'audit.sink: expected one of sqlite, postgres',
      expect.stringMatching(/^audit\.spilPath: unknown key.*spillPath/),
    ]);
    expect(issues('\n  sink: postgres\n  path: a.db')).toEqual([expect.stringMatching(/^audit\.url: required when sink is postgres/), 'audit.path: only for sink: sqlite (a PostgreSQL log takes url)']);
    expect(issues('\n  url: mysql://x')).toEqual([expect.stringMatching(/^audit\.url: expected a postgres:\/\/ URL/), 'audit.url: only for sink: postgres (a SQLite log takes path)']);
    // With digested arguments the paths still apply to what admin changes record.
    expect(parse('\n  redactPaths: [a]').audit?.redactPaths).toEqual(['a']);
    expect(issues('\n  table: 1bad')).toEqual([expect.stringMatching(/^audit\.table: expected a table name/)]);
  });

  it('retention: how long records are kept (no cap, at least an hour)', () => {
    expect(parse('\n  retention: 90d').audit?.retention).toBe(90 * 86_400_000);
    expect(parse('\n  retention: 400d').audit?.retention).toBe(400 * 86_400_000);
    const hint = 'audit.retention: expected how long records are kept, with a unit (h or d), e.g. 90d; at least 1h';
    expect(issues('\n  retention: 30m')).toEqual([hint]);
    expect(issues('\n  retention: forever')).toEqual([hint]);
    expect(issues('\n  retention: 90')).toEqual([hint]);
  });
});
