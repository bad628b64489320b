// Target "mcplex-full": the compiled mcplex gateway (dist/, like the bare target's `dist/cli/main.js serve`) on a
// config file, with every middleware of `allMiddleware()` (src/middleware/all.ts) it does not already run added
// to its pipeline. Prints `mcplex gateway listening on <url>`; SIGTERM stops it.
// `--groups security,observability` runs only those concerns' middleware (the per-issue cost lines of the report).
// `--spin-us N` adds a middleware that spends N µs of CPU on each request in a fixed loop and does nothing else (no
// allocation, no I/O): what N µs of the request thread costs in calls/s on this machine now (the `mcplex-spin` target).
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
const spinUs = Number(arg('--spin-us') ?? 0);
if (spinUs > 0) gateway.host.use(spinner(spinUs));
const layers = Number(arg('--layers') ?? 0);
for (let i = 0; i < layers; i++) gateway.host.use(passThrough(i));
await gateway.start();
const handle = await gateway.serveHttp();
process.stdout.write(`mcplex gateway listening on ${handle.url}\n`);
log.info({ middleware: middleware.length }, 'bench gateway (full pipeline) started');
/** A loop of integer arithmetic: no allocation, nothing for the garbage collector. */
function spin(n) {
  let x = 1;
  for (let i = 0; i < n; i++) x = (Math.imul(x, 1103515245) + 12345) | 0;
  return x;
}

/** A middleware spending `us` µs of CPU per request: the loop's speed is timed at start (best of five runs). */
function spinner(us) {
  const N = 2_000_000;
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    const t = performance.now();
    spin(N);
    best = Math.min(best, performance.now() - t);
  }
  const n = Math.round((N / (best * 1000)) * us);
  return async function spinMiddleware(_ctx, next) {
    // The result is used, so the loop cannot be optimized away.
    if (spin(n) === 0x7fffffff) log.debug('spun to the end');
    return next();
  };
}

/**
 * A middleware that does nothing but pass the request on, each its own code (so call sites see as many functions
 * as a real pipeline's): half `async` awaiting next(), half returning next()'s promise.
 */
function passThrough(i) {
  const body = i % 2 ? 'ctx.state.size; const r = await next(); return r;' : 'ctx.state.size; return next();';
  return new Function(`return ${i % 2 ? 'async ' : ''}function layer${i}(ctx, next) { ${body} /* ${i} */ }`)();
}

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
