// Target "framework": the mcplex server framework over Streamable HTTP (both eras on one endpoint), with echo
// and sleep in-process. Prints `LISTENING <url>`; SIGTERM closes it.
import { z } from 'zod';
import { createServer } from '../../src/index.js';

const server = createServer({ name: 'bench-framework', version: '1.0.0' });
server.tool('echo', { description: 'Returns the text', input: z.object({ text: z.string() }) }, ({ text }) => text);
server.tool('sleep', { description: 'Waits ms milliseconds', input: z.object({ ms: z.number().int().min(0).max(60_000) }) }, async ({ ms }) => {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return `slept ${ms}`;
});

const handle = await server.serveHttp({ port: 0 });
process.stdout.write(`LISTENING ${handle.url}\n`);
process.on('SIGTERM', () => {
  handle.close().finally(() => process.exit(0));
});
