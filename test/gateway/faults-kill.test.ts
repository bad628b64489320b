// An upstream child SIGKILLed mid-call: in-flight calls fail fast and clearly, the supervisor restarts it with a
// new PID, its tools leave and return (list_changed both times), and calls while it is down say "unavailable",
// also for a server mounted at the root (`namespace: false`), whose names carry no prefix to tell.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/core/index.js';
import { capturingLogger } from '../helpers/logger.js';
import { killAll, waitGone, waitUntil } from '../helpers/process.js';
import { callError, callText, collect, gatewayConfig, type Running, startGateway, stderrLine, stdioServer, toolNames, tracedServer, upstreamOf } from './fixtures/helpers.js';

const A_TOOLS = ['a__alpha', 'a__beta', 'a__echo', 'a__hang', 'a__slow', 'a__whoami'];
const B_TOOLS = A_TOOLS.map((t) => t.replace('a__', 'b__'));

describe('an upstream killed while calls are in flight', () => {
  let run: Running;
  const seen = new Set<number>();
  const log = capturingLogger();
  // A long first backoff keeps `a` down long enough to observe; later restarts stay fast.
  beforeAll(async () => {
    run = await startGateway(gatewayConfig(tracedServer('a'), stdioServer('b')), { logger: log, restart: { initialDelayMs: 6000, maxDelayMs: 6000, healthyAfterMs: 60_000 } });
  });
  afterAll(async () => {
    await run?.close();
    killAll(seen);
  });

  it('fails in-flight calls, restarts with a new PID, and toggles its tools with list_changed', async () => {
    const { client, gateway } = run;
    const changed = collect(client, 'notifications/tools/list_changed');
    expect(await toolNames(client)).toEqual([...A_TOOLS, ...B_TOOLS]);
    const oldPid = upstreamOf(gateway, 'a')!.pid!;
    seen.add(oldPid);
    expect(await callText(client, 'a__whoami')).toBe(`a:${oldPid}`);

    const inflight = [callError(client, 'a__slow', { ms: 8000 }), callError(client, 'a__hang')];
    // Both requests reached the child: its handlers said so on stderr.
    await stderrLine(log.entries, 'a', 'started slow 8000');
    await stderrLine(log.entries, 'a', 'started hang');
    process.kill(oldPid, 'SIGKILL');
    const failures = await Promise.all(inflight);
    // "Went away", not a timeout (10 s) nor the slow call's answer (8 s): the crash ended them.
    for (const f of failures) {
      expect(f.code).toBe(ErrorCode.UpstreamUnavailable);
      expect(f.message).toMatch(/Server 'a' went away while handling the request/);
    }

    // While it is down: its tools are gone, a call fails fast naming the server, and `b` keeps working.
    await changed.reached(1);
    expect(await toolNames(client)).toEqual(B_TOOLS);
    expect(upstreamOf(gateway, 'a')).toMatchObject({ state: 'backoff', error: 'a: process was killed by SIGKILL' });
    const down = await callError(client, 'a__echo', { text: 'x' });
    expect(down.code).toBe(ErrorCode.UpstreamUnavailable);
    expect(down.message).toBe("Server 'a' is unavailable: a: process was killed by SIGKILL");
    // It failed at once rather than waiting for the restart: `a` is still in its (6 s) backoff.
    expect(upstreamOf(gateway, 'a')).toMatchObject({ state: 'backoff', restarts: 0 });
    expect(await callText(client, 'b__echo', { text: 'meanwhile' })).toBe('b: meanwhile');

    // Restarted: a new PID, restarts counted, tools back with a second list_changed, calls succeed.
    const back = await waitUntil(() => (upstreamOf(gateway, 'a')?.state === 'up' ? upstreamOf(gateway, 'a') : undefined), 15_000, "'a' to come back");
    seen.add(back.pid!);
    expect(back.pid).not.toBe(oldPid);
    expect(back.restarts).toBeGreaterThanOrEqual(1);
    await changed.reached(2);
    expect(await toolNames(client)).toEqual([...A_TOOLS, ...B_TOOLS]);
    expect(await callText(client, 'a__whoami')).toBe(`a:${back.pid}`);
    await waitGone([oldPid]);
  });

  it('a call to a server that is unknown altogether still says unknown tool', async () => {
    const err = await callError(run.client, 'zzz__echo', { text: 'x' });
    expect(err.code).toBe(ErrorCode.InvalidParams);
    expect(err.message).toMatch(/Unknown tool: zzz__echo/);
  });
});

describe('a root-mounted (namespace: false) upstream while it is down', () => {
  let run: Running;
  const seen = new Set<number>();
  beforeAll(async () => {
    const root = stdioServer('r', { namespace: false, tools: { rename: { echo: 'say' }, exclude: ['hang'] } });
    run = await startGateway(gatewayConfig(root), { restart: { initialDelayMs: 6000, maxDelayMs: 6000, healthyAfterMs: 60_000 } });
  });
  afterAll(async () => {
    await run?.close();
    killAll(seen);
  });

  it('answers its former names with "unavailable", and names it never exposed with "unknown tool"', async () => {
    const { client, gateway } = run;
    expect(await callText(client, 'say', { text: 'hi' })).toBe('r: hi');
    const pid = upstreamOf(gateway, 'r')!.pid!;
    seen.add(pid);
    process.kill(pid, 'SIGKILL');
    await waitUntil(() => (upstreamOf(gateway, 'r')?.state === 'backoff' ? true : undefined), 5000, "'r' to be down");
    await waitUntil(async () => ((await toolNames(client)).length === 0 ? true : undefined), 5000, "'r''s tools to leave");
    for (const name of ['say', 'alpha']) {
      const down = await callError(client, name, { text: 'x' });
      expect(down.code).toBe(ErrorCode.UpstreamUnavailable);
      expect(down.message).toBe("Server 'r' is unavailable: r: process was killed by SIGKILL");
    }
    for (const name of ['echo', 'hang', 'zzz']) {
      const unknown = await callError(client, name, { text: 'x' });
      expect(unknown.code).toBe(ErrorCode.InvalidParams);
      expect(unknown.message).toMatch(new RegExp(`Unknown tool: ${name}`));
    }
    const back = await waitUntil(() => (upstreamOf(gateway, 'r')?.state === 'up' ? upstreamOf(gateway, 'r') : undefined), 15_000, "'r' to come back");
    seen.add(back.pid!);
    // Up first, listed a moment later (the catalog re-reads its lists): the call waits for the name to be back.
    await waitUntil(async () => ((await toolNames(client)).includes('say') ? true : undefined), 5000, "'say' to be listed again");
    expect(await callText(client, 'say', { text: 'again' })).toBe('r: again');
  });
});
