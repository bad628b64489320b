// Target "mcplex-full": the compiled mcplex gateway (dist/, like the bare target's `dist/cli/main.js serve`) on a
// config file, with every middleware of `allMiddleware()` (src/middleware/all.ts) it does not already run added
// to its pipeline. Prints `mcplex gateway listening on <url>`; SIGTERM stops it.
// `--groups security,observability` runs only those concerns' middleware (the per-issue cost lines of the report).
import { createLogger, Gateway, loadConfig } from '../../dist/index.js';
import { allMiddleware } from '../../dist/middleware/all.js';

const arg = (name) => {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : undefined;
};
const log = createLogger('mcplex');
const gateway = new Gateway(await loadConfig(arg('--config') ?? 'mcplex.yaml'), { logger: log });
const middleware = allMiddleware(arg('--groups')?.split(','), { inGateway: true });
gateway.host.use(...middleware);
await gateway.start();
const handle = await gateway.serveHttp();
process.stdout.write(`mcplex gateway listening on ${handle.url}\n`);
log.info({ middleware: middleware.length }, 'bench gateway (full pipeline) started');
process.on('SIGTERM', () => {
  handle
    .close()
    .then(() => gateway.close())
    .finally(() => process.exit(0));
});
