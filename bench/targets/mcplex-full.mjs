// Target "mcplex-full": the compiled mcplex gateway (dist/, like the bare target's `dist/cli/main.js serve`) on a
// config file, with every middleware of `allMiddleware()` (src/middleware/all.ts) it does not already run added
// to its pipeline. Prints `mcplex gateway listening on <url>`; SIGTERM stops it.
// `--groups security,observability` runs only those concerns' middleware (the per-issue cost lines of the report).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, Gateway, loadConfig } from '../../dist/index.js';
import { allMiddleware } from '../../dist/middleware/all.js';

const arg = (name) => {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : undefined;
};
const log = createLogger('mcplex');
const gateway = new Gateway(await loadConfig(arg('--config') ?? 'mcplex.yaml'), { logger: log });
// The audit log's files live in a directory of this run's own, removed when it stops.
const auditDir = mkdtempSync(join(tmpdir(), 'mcplex-bench-audit-'));
const middleware = allMiddleware(arg('--groups')?.split(','), { inGateway: true, auditDir });
gateway.host.use(...middleware);
await gateway.start();
const handle = await gateway.serveHttp();
process.stdout.write(`mcplex gateway listening on ${handle.url}\n`);
log.info({ middleware: middleware.length }, 'bench gateway (full pipeline) started');
process.on('SIGTERM', () => {
  handle
    .close()
    .then(() => gateway.close())
    // The gateway does not own middleware added with use(): the list's audit log is drained and closed here.
    .then(() => Promise.all(middleware.map((mw) => mw.auditLog?.close())))
    .finally(() => {
      rmSync(auditDir, { recursive: true, force: true });
      process.exit(0);
    });
});
