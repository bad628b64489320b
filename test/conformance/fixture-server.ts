// Runs the conformance fixture as a child process: `node --import tsx test/conformance/fixture-server.ts --port 0`.
// Serves Streamable HTTP on 127.0.0.1, prints `LISTENING <url>` once ready, and closes cleanly on SIGTERM/SIGINT.
import { createFixtureServer } from './fixture-app.js';

function portArg(argv: string[]): number {
  const i = argv.indexOf('--port');
  const raw = i >= 0 ? argv[i + 1] : '0';
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid --port: ${raw}`);
  return port;
}

const handle = await createFixtureServer().serveHttp({ host: '127.0.0.1', port: portArg(process.argv.slice(2)), path: '/mcp' });
process.stdout.write(`LISTENING ${handle.url}\n`);

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  // Bounded: never hang the parent waiting for in-flight sessions.
  const force = setTimeout(() => process.exit(1), 5000);
  force.unref();
  try {
    await handle.close();
    process.stderr.write(`fixture: closed on ${signal}\n`);
    process.exit(0);
  } catch (err) {
    process.stderr.write(`fixture: close failed: ${String(err)}\n`);
    process.exit(1);
  }
}
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));
