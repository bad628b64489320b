// A CLI gateway's log through a life (calls, a refusal, an admin restart, an upstream crash, a reload, a stop) at
// debug level with the request line on: every line is one JSON object that names each field once (a store such as
// Elasticsearch refuses a line that names one twice, e.g. the process's `pid` and an upstream's).
import { writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { post, openSession, rpcMessage } from '../helpers/http.js';
import { linesWithRepeatedKeys } from '../helpers/log-lines.js';
import { killStarted, waitGone, waitUntil } from '../helpers/process.js';
import { fixtureServer, readyz, serveCli, writeConfig } from './fixtures/cli.js';

afterAll(() => killStarted());

describe('a CLI gateway’s log lines', () => {
  it('name each field once, through calls, a refusal, a restart, a crash, a reload and a stop', async () => {
    const path = writeConfig({});
    writeFileSync(path, JSON.stringify({ servers: { a: fixtureServer('a') }, logging: { level: 'debug', requests: 'info', arguments: true } }));
    const cli = await serveCli(path, [], { MCPLEX_LOG_LEVEL: 'debug' });
    const pidOfA = async () => (await readyz(cli.url)).upstreams.find((u) => u.name === 'a' && u.state === 'up')?.pid;
    const first = await waitUntil(pidOfA, 20_000, "'a' up");

    const session = await openSession(cli.url);
    expect(rpcMessage(await post(cli.url, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'a__echo', arguments: { text: 'hi' } } }, session)).result).toBeDefined();
    expect(rpcMessage(await post(cli.url, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'nope', arguments: {} } }, session)).error?.code).toBe(-32602);
    expect((await post(cli.url, { jsonrpc: '2.0', id: 3.5, method: 'ping' }, session)).status).toBe(400);

    // An admin restart, then a crash: each a new process, each logged as it starts and exits.
    const restart = await fetch(new URL('/admin/restart', cli.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ server: 'a' }) });
    expect(restart.status).toBe(200);
    const newPid = (old: number) => async () => {
      const pid = await pidOfA();
      return pid !== undefined && pid !== old ? pid : undefined;
    };
    const second = await waitUntil(newPid(first), 20_000, "'a' restarted");
    process.kill(second, 'SIGKILL');
    const third = await waitUntil(newPid(second), 20_000, "'a' back after its crash");

    const before = cli.stderr().length;
    cli.child.kill('SIGHUP');
    await cli.waitStderr(/configuration reloaded/, 15_000, before);
    cli.child.kill('SIGTERM');
    expect(await cli.exited()).toEqual({ code: 0, signal: null });
    await waitGone([first, second, third]);

    const log = cli.stderr();
    const messages = log.split('\n').filter((l) => l.startsWith('{')).map((l) => (JSON.parse(l) as { msg: string }).msg);
    for (const seen of ['upstream process started', 'upstream process exited', 'request', 'restarting upstream', 'shutting down']) expect(messages).toContain(seen);
    expect(linesWithRepeatedKeys(log)).toEqual([]);
    expect(log).toMatch(/"upstreamPid":\d+/);
  });
});
