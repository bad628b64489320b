// `secretScan:` in front of the official "everything" server, through the official SDK client in both eras: a
// secret in a tool's arguments is refused with -32602 naming the argument and the kind (never the value); with
// arguments let through, the secret the server echoes back is redacted, or the answer withheld; allowed kinds pass;
// a reload turns it off; what is logged never holds the value; bad sections are config errors naming the path.
import type { Client } from '@modelcontextprotocol/client';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, type Gateway, parseConfig } from '../../src/index.js';
import { rejection } from '../helpers/config.js';
import { capturingLogger } from '../helpers/logger.js';
import { EVERYTHING, type EraName, type RunningGateway, startGateway, text } from './helpers/harness.js';

// Well-formed, but no one's: a GitHub token and a database URL with a password.
const TOKEN = `ghp_${'A1b2C3d4E5'.repeat(3)}x9Y8z7`;
const DB_URL = 'postgres://admin:s3cr3t-pa55@db.internal:5432/orders';

const configOf = (secretScan: unknown) =>
  parseConfig(stringify({ listen: { host: '127.0.0.1', port: 0 }, servers: { ev: { command: process.execPath, args: [EVERYTHING, 'stdio'] } }, ...(secretScan !== undefined && { secretScan }) }), {
    format: 'yaml',
  });

describe('secret scan', () => {
  let running: RunningGateway;
  let gateway: Gateway;
  const log = capturingLogger();
  const connect = (era: EraName) => running.connect(era);
  const echo = (c: Client, message: string) => c.callTool({ name: 'ev__echo', arguments: { message } });

  beforeAll(async () => {
    running = await startGateway(configOf({}), { logger: log });
    gateway = running.gateway;
  }, 60_000);
  afterAll(() => running?.close(), 30_000);

  it.each(['legacy', 'modern'] as const)('%s: refuses a secret in the arguments, naming the argument and the kind', async (era) => {
    const c = await connect(era);
    const refused = await echo(c, `use ${TOKEN} please`).catch((e: { code?: number; message: string }) => e);
    expect(refused).toMatchObject({ code: ErrorCode.InvalidParams, message: expect.stringMatching(/argument message holds what looks like a secret \(GITHUB_TOKEN\)/) });
    expect(JSON.stringify(refused)).not.toContain(TOKEN);
    // Ordinary text, long tokens included, goes through.
    expect(text(await echo(c, 'order 550e8400-e29b-41d4-a716-446655440000 shipped'))).toBe('Echo: order 550e8400-e29b-41d4-a716-446655440000 shipped');
  });

  it.each(['legacy', 'modern'] as const)('%s: redacts a secret in a result, or withholds the answer', async (era) => {
    try {
      await gateway.reload(configOf({ arguments: 'warn' }));
      const c = await connect(era);
      expect(text(await echo(c, `token ${TOKEN} and ${DB_URL}`))).toMatch(/^Echo: token \[REDACTED GITHUB_TOKEN\] and .*\[REDACTED [A-Za-z_]+\]/);
      await gateway.reload(configOf({ arguments: 'off', results: 'block' }));
      const withheld = await echo(c, `token ${TOKEN}`);
      expect(withheld.isError).toBe(true);
      expect(text(withheld)).toBe('The answer was withheld: it held what looks like a secret (GITHUB_TOKEN)');
      // An allowed kind passes, and so does everything of an excepted server; with the section gone nothing is scanned.
      await gateway.reload(configOf({ allow: ['GITHUB_TOKEN'] }));
      expect(text(await echo(c, `token ${TOKEN}`))).toBe(`Echo: token ${TOKEN}`);
      await gateway.reload(configOf({ except: ['server:ev'] }));
      expect(text(await echo(c, `see ${DB_URL}`))).toBe(`Echo: see ${DB_URL}`);
      await gateway.reload(configOf(undefined));
      expect(text(await echo(c, `token ${TOKEN}`))).toBe(`Echo: token ${TOKEN}`);
    } finally {
      await gateway.reload(configOf({}));
    }
  });

  it('logs what it found and where, never the value', () => {
    const found = log.entries.filter((e) => e.level === 'warn' && /possible secret/.test(e.msg ?? ''));
    expect(found.map((e) => (e.obj as { direction: string }).direction)).toEqual(expect.arrayContaining(['arguments', 'results']));
    expect(found.find((e) => (e.obj as { direction: string }).direction === 'arguments')?.obj).toMatchObject({ paths: 'message', kinds: 'GITHUB_TOKEN', action: 'block' });
    expect(JSON.stringify(log.entries.map((e) => [e.obj, e.msg]))).not.toContain(TOKEN);
  });

  it('refuses bad sections naming the path', () => {
    const issues = (secretScan: unknown) => rejection(() => configOf(secretScan)).join('\n');
    expect(issues({ arguments: 'redact' })).toMatch(/secretScan\.arguments: expected off, warn or block/);
    expect(issues({ results: 'drop' })).toMatch(/secretScan\.results: expected off, warn, redact or block/);
    expect(issues({ alow: [] })).toMatch(/secretScan\.alow: unknown key \(did you mean 'allow'\?\)/);
    expect(issues({ except: ['vault'] })).toMatch(/secretScan\.except\[0\]: 'vault' must start with tool:/);
  });
});
