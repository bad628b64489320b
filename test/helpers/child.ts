// Spawns the demo server fixture as a child process (stdio or HTTP mode); process plumbing and cleanup come from
// ./process.ts, so a test file's killStarted() also kills these.
import { fileURLToPath } from 'node:url';
import { killPid, listeningUrl, type Spawned, spawnTs } from './process.js';

export const DEMO_SERVER = fileURLToPath(new URL('../fixtures/demo-server.ts', import.meta.url));

/** Starts `node --import tsx demo-server.ts ...args` with piped stdio. */
export function spawnDemo(args: string[], logLevel = 'warn'): Spawned {
  return spawnTs(DEMO_SERVER, args, { env: { MCPLEX_LOG_LEVEL: logLevel } });
}

/** Spawns the fixture in HTTP mode on an ephemeral port (plus `extra` arguments) and waits for `LISTENING <url>`. */
export async function spawnDemoHttp(timeoutMs = 20_000, extra: string[] = []): Promise<Spawned & { url: string }> {
  const s = spawnDemo(['--http', '--port', '0', ...extra]);
  try {
    return { ...s, url: await listeningUrl(s.child, timeoutMs) };
  } catch (err) {
    killPid(s.pid);
    throw new Error(`${(err as Error).message}; child stderr:\n${s.stderr()}`);
  }
}
