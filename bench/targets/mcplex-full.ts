// Target "mcplex-full": the mcplex gateway on a config file, like `mcplex serve`, with every middleware of
// full-pipeline.ts added to its pipeline. Prints `mcplex gateway listening on <url>`; SIGTERM stops it.
import { loadConfig } from '../../src/gateway/config/index.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { createLogger } from '../../src/index.js';
import type { MiddlewareGroup } from '../../src/middleware/all.js';
import { fullPipeline } from './full-pipeline.js';

const configPath = process.argv[process.argv.indexOf('--config') + 1] ?? 'mcplex.yaml';
const log = createLogger('mcplex');
const gateway = new Gateway(await loadConfig(configPath), { logger: log });
// `--groups security,observability` runs only those concerns' middleware (the per-issue cost lines of the report).
const at = process.argv.indexOf('--groups');
const groups = at > 0 ? (process.argv[at + 1]!.split(',') as MiddlewareGroup[]) : undefined;
const middleware = await fullPipeline(groups);
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
