// Hostile upstream output on the client side, from a real child process: a response nested thousands of levels
// deep ends its request with a clear error (never a hang), deep notifications and requests are refused, and a
// flood of junk lines on stdout is logged a few times and then summarised instead of once per line.
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import { StdioProcessTransport } from '../../src/client/stdio-process-transport.js';
import type { Logger } from '../../src/core/logger.js';
import { killStarted, ROOT, track, tsxArgs } from '../helpers/process.js';
import { callText, capturingLogger, type LogEntry } from './helpers.js';

afterEach(killStarted);

const HOSTILE = fileURLToPath(new URL('./fixtures/hostile-upstream.ts', import.meta.url));
/** Far below the 60 s the SDK waits by default: a call that hangs fails here instead. */
const CALL = { timeout: 15_000 };

async function connectHostile(log: Logger): Promise<{ client: Client; transport: StdioProcessTransport }> {
  const transport = new StdioProcessTransport({ name: 'hostile', command: process.execPath, args: tsxArgs(HOSTILE), cwd: ROOT }, { log });
  const client = new Client({ name: 'hostile-test', version: '1.0.0' }, { capabilities: { roots: {} } });
  client.setRequestHandler('roots/list', () => ({ roots: [] }));
  await client.connect(transport);
  track(transport.pid!);
  return { client, transport };
}

const errorsLogged = (entries: LogEntry[]) => entries.filter((e) => e.level === 'error' && e.msg === 'upstream message nested too deeply; discarded');

describe('StdioProcessTransport against hostile output', () => {
  it('turns a response nested 5000 levels deep into an error for that request, logged at error level', async () => {
    const log = capturingLogger();
    const { client } = await connectHostile(log);
    const err = await client.callTool({ name: 'deep_result', arguments: {} }, CALL).then(
      () => undefined,
      (e: unknown) => e as { code?: number; message: string },
    );
    expect(err?.code).toBe(-32603);
    expect(err?.message).toMatch(/Server 'hostile' sent a response nested deeper than 128 levels; it was discarded/);
    expect(errorsLogged(log.entries).map((e) => e.obj)).toEqual([expect.objectContaining({ kind: 'response', limit: 128 })]);
    // The connection carries on.
    expect(await callText(client, 'echo', { text: 'after' })).toBe('echo: after');
    await client.close();
  });

  it('drops a deep notification and refuses a deep request with a clear error the server can read', async () => {
    const log = capturingLogger();
    const { client } = await connectHostile(log);
    const seen: unknown[] = [];
    client.setNotificationHandler('notifications/message', (n) => {
      seen.push(n);
    });
    expect(await callText(client, 'deep_notification')).toBe('after a deep notification');
    const reply = await callText(client, 'deep_request');
    expect(reply).toMatch(/client replied: \{"code":-32600,"message":"Request refused: JSON nested too deeply \(the limit is 128 levels\)"\}/);
    expect(seen).toEqual([]);
    expect(errorsLogged(log.entries).map((e) => (e.obj as { kind: string }).kind)).toEqual(['notification', 'request']);
    await client.close();
  });

  it('accepts nesting up to the limit', async () => {
    const { client } = await connectHostile(capturingLogger());
    // The envelope adds 3 levels ({ result: { structuredContent: { v: … } } }), so 125 is exactly 128.
    const res = await client.callTool({ name: 'deep_result', arguments: { depth: 125 } }, CALL);
    expect(res.content).toEqual([{ type: 'text', text: 'deep' }]);
    await client.close();
  });

  it('logs a flood of junk stdout lines a few times, then one summary with the count', async () => {
    const log = capturingLogger();
    const { client, transport } = await connectHostile(log);
    // The answer comes after the junk on the same pipe, so every junk line has been read once it arrives.
    expect(await callText(client, 'garbage', { lines: 1000 })).toBe('wrote 1000 garbage lines');
    const warnings = () => log.entries.filter((e) => e.level === 'warn' && e.msg?.startsWith('upstream stdio error'));
    expect(warnings()).toHaveLength(5);
    expect(warnings().map((e) => (e.obj as { err: string }).err)).toEqual([0, 1, 2, 3, 4].map((i) => `hostile: skipped non-JSON stdout line: garbage line ${i}`));
    await client.close();
    expect(transport.lastExit).toBeDefined();
    // Closing ends the interval: the rest are counted in one line.
    expect(warnings()).toHaveLength(6);
    expect(warnings()[5]).toMatchObject({ msg: 'upstream stdio error (repeats suppressed)', obj: { suppressed: 995 } });
  });
});
