// Graceful shutdown of the HTTP child: SIGTERM while slow calls are in flight (both eras) lets them finish,
// refuses new work, then exits 0 with no process left behind; SIGINT (idle HTTP) and SIGTERM (stdio) exit 0.
import { afterAll, describe, expect, it } from 'vitest';
import { spawnDemo, spawnDemoHttp } from '../helpers/child.js';
import { isAlive, killStarted, waitForExit, waitUntil } from '../helpers/process.js';
import { connectHttp, echoWorks } from '../helpers/clients.js';
import { rawRequest } from '../helpers/http.js';
import { StdioWire } from '../helpers/stdio-wire.js';

afterAll(() => killStarted());

async function sleepingIs(url: string, want: string, timeoutMs = 5_000): Promise<boolean> {
  const probe = await connectHttp(url, 'modern');
  try {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const res = await probe.callTool({ name: 'sleeping', arguments: {} });
      if ((res.content as Array<{ text: string }>)[0]?.text === want) return true;
      await new Promise((r) => setTimeout(r, 25));
    }
    return false;
  } finally {
    await probe.close();
  }
}

describe('graceful shutdown of the HTTP child', () => {
  it('SIGTERM lets in-flight calls in both eras complete, then exits 0', async () => {
    const proc = await spawnDemoHttp();
    const legacy = await connectHttp(proc.url, 'legacy');
    const modern = await connectHttp(proc.url, 'modern');
    expect(await echoWorks(legacy)).toBe('echo: still alive');

    const started = Date.now();
    const calls = [legacy, modern].map((c) => c.callTool({ name: 'slow', arguments: { ms: 1_500 } }));
    expect(await sleepingIs(proc.url, '2')).toBe(true);
    process.kill(proc.pid, 'SIGTERM');

    // New connections are no longer served while the calls drain (the child stops listening as it says this).
    await waitUntil(() => proc.stderr().includes('demo-server: SIGTERM, closing'), 5_000, 'the child to begin closing');
    const late = await rawRequest(proc.url.replace(/\/mcp$/, '/readyz'), { method: 'GET', timeoutMs: 3_000 }).then(
      (res) => res.status,
      (err: NodeJS.ErrnoException) => err.code,
    );
    expect(['ECONNREFUSED', 503]).toContain(late);

    const results = await Promise.all(calls);
    for (const r of results) expect(r.content).toEqual([{ type: 'text', text: 'slept 1500' }]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_500);

    expect(await waitForExit(proc.child, 15_000)).toEqual({ code: 0, signal: null });
    expect(proc.stderr()).toContain('demo-server: SIGTERM, closing');
    expect(isAlive(proc.pid)).toBe(false);
    await Promise.allSettled([legacy.close(), modern.close()]);
  });

  it('SIGINT on an idle server (with an open 2025 session) exits 0 promptly', async () => {
    // A 60 s shutdown grace: exiting within the (generous) 15 s bound shows the open session's stream was not waited on.
    const proc = await spawnDemoHttp(20_000, ['--grace', '60000']);
    const legacy = await connectHttp(proc.url, 'legacy');
    expect(await echoWorks(legacy)).toBe('echo: still alive');
    process.kill(proc.pid, 'SIGINT');
    expect(await waitForExit(proc.child, 15_000)).toEqual({ code: 0, signal: null });
    expect(isAlive(proc.pid)).toBe(false);
    await legacy.close().catch(() => {});
  });

  it('SIGTERM on a --stdio child with an open connection exits 0', async () => {
    const proc = spawnDemo(['--stdio']);
    const wire = new StdioWire(proc, 'legacy');
    await wire.open();
    expect(await wire.echo('x')).toBe('echo: x');
    process.kill(proc.pid, 'SIGTERM');
    expect(await waitForExit(proc.child, 10_000)).toEqual({ code: 0, signal: null });
    expect(isAlive(proc.pid)).toBe(false);
  });
});
