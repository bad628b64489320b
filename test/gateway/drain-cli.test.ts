// A rolling restart loses no request: with `listen.drainMs`, a SIGTERM first makes /readyz answer 503 (a load balancer
// stops sending requests here) while calls, new sessions included, are still served; the listener closes when the
// drain is over, or at once on a second signal, and the gateway exits 0 with its upstreams gone.
import { writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { isAlive, killStarted, waitGone } from '../helpers/process.js';
import { fixtureServer, readyz, serveCli, writeConfig } from './fixtures/cli.js';
import { callText, legacyClient } from './fixtures/helpers.js';

afterAll(() => killStarted());

describe('listen.drainMs', () => {
  it('after SIGTERM, /readyz answers 503 while requests are still served; a second SIGTERM closes at once', async () => {
    const path = writeConfig({});
    // A drain far longer than the test: only the second signal can end it within the test's bounds.
    writeFileSync(path, JSON.stringify({ listen: { drainMs: 600_000 }, servers: { a: fixtureServer('a') } }));
    const cli = await serveCli(path);
    const pid = (await readyz(cli.url)).upstreams[0]!.pid!;
    const before = await legacyClient(cli.url);
    expect(await callText(before, 'a__echo', { text: 'before' })).toBe('a: before');

    cli.child.kill('SIGTERM');
    await cli.waitStderr(/"msg":"draining: \/readyz answers 503[^"]*"/);
    const ready = await fetch(new URL('/readyz', cli.url));
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'shutting down', ready: false });
    // Still served meanwhile: the open session, and a client that connects now.
    expect(await callText(before, 'a__echo', { text: 'draining' })).toBe('a: draining');
    const late = await legacyClient(cli.url);
    expect(await callText(late, 'a__echo', { text: 'late' })).toBe('a: late');
    expect(isAlive(cli.pid)).toBe(true);

    cli.child.kill('SIGTERM');
    expect((await cli.exited()).code).toBe(0);
    await waitGone([pid]);
    await Promise.allSettled([before.close(), late.close()]);
  });
});
