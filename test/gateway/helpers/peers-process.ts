// Third-party peers run as their own processes on 127.0.0.1: server-everything over Streamable HTTP (kept on
// loopback by the preload) and the framework relay upstream over HTTP. Stopped by PID, SIGTERM then SIGKILL.
import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import { isAlive, listeningUrl, ROOT, spawnTs, waitForExit } from '../../helpers/process.js';
import { EVERYTHING, LOOPBACK, RELAY_UPSTREAM, sleep } from './harness.js';

export interface PeerProcess {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function stopper(child: ChildProcess): () => Promise<void> {
  return async () => {
    if (child.pid === undefined || !isAlive(child.pid)) return;
    child.kill('SIGTERM');
    try {
      await waitForExit(child, 5000);
    } catch {
      child.kill('SIGKILL');
      await waitForExit(child, 5000);
    }
  };
}

/** server-everything `streamableHttp` on a free loopback port; resolves once the port accepts connections. */
export async function startEverythingHttp(): Promise<PeerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', LOOPBACK, EVERYTHING, 'streamableHttp'], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.resume();
  child.stderr?.resume();
  const stop = stopper(child);
  const deadline = Date.now() + 20_000;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (open) break;
    if (Date.now() > deadline || child.exitCode !== null) {
      await stop();
      throw new Error('server-everything (streamableHttp) did not start listening within 20 s');
    }
    await sleep(50);
  }
  return { url: `http://127.0.0.1:${port}/mcp`, pid: child.pid!, stop };
}

/** The framework relay upstream served over HTTP (`--http`). */
export async function startRelayUpstreamHttp(): Promise<PeerProcess> {
  const { child, pid } = spawnTs(RELAY_UPSTREAM, ['--http'], { env: { MCPLEX_LOG_LEVEL: 'warn' }, stdin: 'ignore' });
  const stop = stopper(child);
  try {
    return { url: await listeningUrl(child, 20_000), pid, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
