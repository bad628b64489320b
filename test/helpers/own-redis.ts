// Redis for tests: the shared server named by REDIS_URL (a test skips, saying why, when it is unset, and fails
// under CI=true), and a private redis-server on an ephemeral port that a test may kill and restart by PID.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import { waitForExit, waitForLine } from './process.js';

/** REDIS_URL, or undefined (with the reason printed) so the suite can skip; under CI=true a missing URL throws. */
export function sharedRedisUrl(suite: string): string | undefined {
  const url = process.env.REDIS_URL;
  if (url) return url;
  if (process.env.CI === 'true') throw new Error(`${suite}: REDIS_URL is required when CI=true`);
  console.warn(`${suite}: skipped, REDIS_URL is not set (e.g. REDIS_URL=redis://127.0.0.1:6379)`);
  return undefined;
}

/** A key prefix no other run shares. */
export const uniquePrefix = (what: string) => `mcplex-test:${what}:${randomBytes(6).toString('hex')}:`;

/** A free TCP port on 127.0.0.1 (taken from the kernel, released at once). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/**
 * A redis-server of this test's own, without persistence; `stop()` SIGKILLs it by PID, `start()` brings it back on
 * the same port. Call stop() in afterAll: redis-server rewrites its process title, so killStarted() would take its
 * PID for a reused one and leave it running.
 */
export class OwnRedis {
  pid?: number;
  private constructor(readonly port: number) {}

  static async start(): Promise<OwnRedis> {
    const own = new OwnRedis(await freePort());
    await own.start();
    return own;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'ignore'] });
    if (child.pid === undefined) throw new Error('could not start redis-server (is it installed?)');
    this.pid = child.pid;
    // Should the test process end without afterAll, take this server with it.
    const reap = () => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL');
    process.once('exit', reap);
    child.once('exit', () => process.off('exit', reap));
    this.child = child;
    await waitForLine(child.stdout!, (line) => line.includes('Ready to accept connections'), 10_000);
    // Keep draining its log so a full pipe can never stall it.
    child.stdout!.resume();
  }

  private child?: ReturnType<typeof spawn>;

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = waitForExit(child, 10_000);
    process.kill(child.pid!, 'SIGKILL');
    await exited;
    this.child = undefined;
  }
}
