// `servers.<name>.restartBackoff` (over `resilience.restartBackoff`, every server's): how a server that exits (or
// cannot connect) is tried again. A real
// process that exits at once is restarted after the delays its config gives (as the log says them), a reload that
// changes them restarts it with the new ones, and a config that cannot be met is refused naming the key.
import { stringify } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { type ConfigInvalidError, parseConfig } from '../../src/gateway/config/index.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { capturingLogger, type LogEntry } from '../helpers/logger.js';
import { waitUntil } from '../helpers/process.js';

const configOf = (restartBackoff?: Record<string, unknown>, everyServer?: Record<string, unknown>) =>
  parseConfig(
    stringify({
      ...(everyServer && { resilience: { restartBackoff: everyServer } }),
      servers: { crashy: { command: process.execPath, args: ['-e', 'process.exit(3)'], ...(restartBackoff && { restartBackoff }) } },
    }),
    { format: 'yaml' },
  );

let gateway: Gateway | undefined;
afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
});

/** The backoff delays the server's supervisor logged, from entry `from` on. */
const delays = (entries: LogEntry[], from = 0) =>
  entries
    .slice(from)
    .filter((e) => e.msg === 'restarting after backoff' && e.bindings.upstream === 'crashy')
    .map((e) => e.obj as { delayMs: number; attempt: number });

describe('servers.<name>.restartBackoff', () => {
  it('tries a server that keeps exiting again after the delays it gives (over the gateway-wide ones), and a reload that changes them restarts it', async () => {
    const log = capturingLogger();
    gateway = new Gateway(configOf({ maxDelayMs: 250 }, { initialDelayMs: 100, maxDelayMs: 20_000 }), { logger: log });
    await gateway.start();
    const tried = await waitUntil(() => (delays(log.entries).length >= 4 ? delays(log.entries) : undefined), 15_000, 'four restarts');
    // 100, 200, then capped at 250 (±20 % jitter, never above the cap).
    expect(tried.slice(0, 4).map((d) => d.attempt)).toEqual([0, 1, 2, 3]);
    expect(tried[0]!.delayMs).toBeGreaterThanOrEqual(80);
    expect(tried[0]!.delayMs).toBeLessThanOrEqual(120);
    for (const d of tried) expect(d.delayMs).toBeLessThanOrEqual(250);

    const from = log.entries.length;
    // The server's own taken away, the gateway-wide one changed: restarted with it.
    const report = await gateway.reload(configOf(undefined, { initialDelayMs: 40, maxDelayMs: 60 }));
    expect(report.restarted).toEqual(['crashy']);
    const after = await waitUntil(() => (delays(log.entries, from).length >= 3 ? delays(log.entries, from) : undefined), 15_000, 'three restarts after the reload');
    for (const d of after) expect(d.delayMs).toBeLessThanOrEqual(60);
  });

  it('is refused when it cannot be met, naming the key', () => {
    const problem = (restartBackoff: unknown) => {
      try {
        parseConfig(stringify({ servers: { s: { command: 'node', restartBackoff } } }), { format: 'yaml' });
        return 'accepted';
      } catch (err) {
        return (err as ConfigInvalidError).message;
      }
    };
    expect(problem({ initialDelayMs: 5000, maxDelayMs: 1000 })).toContain('servers.s.restartBackoff.maxDelayMs: maxDelayMs must be at least initialDelayMs');
    expect(problem({ initialDelayMs: 0 })).toContain('servers.s.restartBackoff.initialDelayMs: expected a positive integer (milliseconds)');
    expect(problem({ initalDelayMs: 10 })).toContain("servers.s.restartBackoff.initalDelayMs: unknown key (did you mean 'initialDelayMs'?)");
    expect(configOf({ healthyAfterMs: 60000 }).servers.crashy).toMatchObject({ restartBackoff: { healthyAfterMs: 60000 } });
  });
});
