// Starts the conformance fixture (fixture-server.ts) as a child process on an ephemeral 127.0.0.1 port
// and stops it again by PID: SIGTERM, then SIGKILL if it has not exited within the grace period.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURE = 'test/conformance/fixture-server.ts';

export interface FixtureProcess {
  readonly url: string;
  readonly pid: number;
  /** Everything the fixture wrote to stderr so far (its pino log). */
  stderr(): string;
  /** Stops the fixture; resolves once the process has exited. Safe to call twice. */
  stop(graceMs?: number): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  const done = exited(child);
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return done;
  process.kill(child.pid, 'SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), graceMs);
  });
  const outcome = await Promise.race([done.then(() => 'exited' as const), late]);
  clearTimeout(timer);
  if (outcome === 'late' && child.exitCode === null && child.signalCode === null) {
    process.kill(child.pid, 'SIGKILL');
    await done;
  }
}

/** Spawns the fixture with this process's Node and `--import tsx`; resolves once it prints `LISTENING <url>`. */
export async function startFixture(opts: { startTimeoutMs?: number; node?: string } = {}): Promise<FixtureProcess> {
  const child = spawn(opts.node ?? process.execPath, ['--import', 'tsx', FIXTURE, '--port', '0'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, MCPLEX_LOG_LEVEL: process.env.MCPLEX_LOG_LEVEL ?? 'warn' },
  });
  let err = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    err = (err + chunk).slice(-64 * 1024);
  });
  const stop = (graceMs = 5000) => stopChild(child, graceMs);

  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const fail = (why: string) => {
      clearTimeout(timer);
      reject(new Error(`conformance fixture did not start: ${why}\n--- fixture stderr ---\n${err}`));
    };
    const timer = setTimeout(() => fail(`no LISTENING line within ${opts.startTimeoutMs ?? 30_000} ms`), opts.startTimeoutMs ?? 30_000);
    child.once('error', (e) => fail(e.message));
    const onExit = (code: number | null, signal: string | null) => fail(`exited early (code ${code}, signal ${signal})`);
    child.once('exit', onExit);
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const m = /^LISTENING (\S+)$/m.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        child.off('exit', onExit);
        resolve(m[1]);
      }
    });
  }).catch(async (e: unknown) => {
    await stop(1000);
    throw e;
  });

  if (child.pid === undefined) throw new Error('conformance fixture has no pid');
  return { url, pid: child.pid, stderr: () => err, stop };
}
