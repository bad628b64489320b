// Hostile upstream output through the gateway: a result nested thousands of levels deep, from a stdio upstream (the
// raw request lane) or an HTTP one (the SDK client's transport), reaches the caller as a clear JSON-RPC error at
// once, with an error-level log, instead of a call that hangs until the upstream timeout; the upstream stays up.
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tsxArgs } from '../helpers/process.js';
import { killStarted } from '../helpers/process.js';
import { capturingLogger } from '../client/helpers.js';
import { startHostileHttp } from '../client/fixtures/hostile-http.js';
import { callError, callText, gatewayConfig, httpServer, type Running, startGateway, stdioServer, upstreamOf } from './fixtures/helpers.js';

const HOSTILE = fileURLToPath(new URL('../client/fixtures/hostile-upstream.ts', import.meta.url));
/** Longer than any honest answer here, and far shorter than the upstream timeout a hang would run into. */
const TIMEOUT_MS = 60_000;

let http: Awaited<ReturnType<typeof startHostileHttp>>;
let run: Running;
const log = capturingLogger();

beforeAll(async () => {
  http = await startHostileHttp();
  run = await startGateway(
    gatewayConfig(stdioServer('s', { args: tsxArgs(HOSTILE), env: {}, timeoutMs: TIMEOUT_MS }), httpServer('h', http.url, { timeoutMs: TIMEOUT_MS })),
    { logger: log },
  );
});
afterAll(async () => {
  await run?.close();
  await http?.close();
  killStarted();
});
afterEach(() => {
  log.entries.length = 0;
});

const deepLogs = () => log.entries.filter((e) => e.level === 'error' && e.msg === 'upstream message nested too deeply; discarded');

describe.each([
  ['stdio', 's'],
  ['HTTP', 'h'],
])('a %s upstream answering with a result nested 5000 levels deep', (_, name) => {
  it('gives the caller a JSON-RPC error naming the cause, logs it, and keeps serving', async () => {
    const err = await callError(run.client, `${name}__deep_result`);
    expect(err.code).toBe(-32603);
    expect(err.message).toContain(`Server '${name}' sent a response nested deeper than 128 levels; it was discarded`);
    // Well within the upstream timeout: the error ended the call, not the clock.
    expect(err.ms).toBeLessThan(TIMEOUT_MS / 2);
    expect(deepLogs()).toEqual([expect.objectContaining({ bindings: expect.objectContaining({ upstream: name }), obj: expect.objectContaining({ kind: 'response' }) })]);
    expect(upstreamOf(run.gateway, name)?.state).toBe('up');
    expect(await callText(run.client, `${name}__echo`, { text: 'still here' })).toBe('echo: still here');
  });

  it('drops a deep notification without disturbing the call around it', async () => {
    expect(await callText(run.client, `${name}__deep_notification`)).toBe('after a deep notification');
    expect(deepLogs().map((e) => (e.obj as { kind: string }).kind)).toEqual(['notification']);
  });
});

describe('a stdio upstream sending a request nested 5000 levels deep', () => {
  it('gets a clear refusal it can act on, and the caller gets the tool result', async () => {
    expect(await callText(run.client, 's__deep_request')).toBe(
      'client replied: {"code":-32600,"message":"Request refused: JSON nested too deeply (the limit is 128 levels)"}',
    );
  });
});
