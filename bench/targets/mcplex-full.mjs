// Target "mcplex-full": the compiled mcplex gateway (dist/, like the bare target's `dist/cli/main.js serve`) on a
// config file, with every middleware of `allMiddleware()` (src/middleware/all.ts) it does not already run added
// to its pipeline. Prints `mcplex gateway listening on <url>`; SIGTERM stops it.
// `--groups security,observability` runs only those concerns' middleware (the per-issue cost lines of the report).
// `--spin-us N` adds a middleware that spends N µs of CPU on each request in a fixed loop and does nothing else (no
// allocation, no I/O): what N µs of the request thread costs in calls/s on this machine now (the `mcplex-spin` target).
// `--defer-spin-us N [--defer-policy idle|niceN|same]` hands those N µs to a worker thread instead (`mcplex-defer`).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
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
const deferUs = Number(arg('--defer-spin-us') ?? 0);
if (deferUs > 0) gateway.host.use(deferredSpinner(deferUs, arg('--defer-policy') ?? 'idle'));
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

/**
 * A middleware handing `us` µs of CPU per request to a worker thread, in batches every 20 ms: what the same work
 * costs off the request thread. `policy`: `same` (the process's priority), `niceN` (N nice levels lower) or `idle`
 * (SCHED_IDLE, through `chrt`). The worker writes the batches' largest wait every 5 s to stderr (it must keep up).
 */
function deferredSpinner(us, policy) {
  const code = `
    const { parentPort, workerData: { us, policy } } = require('node:worker_threads');
    const tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop());
    if (policy === 'idle') require('node:child_process').execFileSync('chrt', ['-i', '-p', '0', String(tid)]);
    else if (policy.startsWith('nice')) require('node:os').setPriority(tid, Math.min(19, Number(policy.slice(4))));
    ${spin.toString()}
    const N = 2000000;
    let best = Infinity;
    for (let r = 0; r < 5; r++) { const t = performance.now(); spin(N); best = Math.min(best, performance.now() - t); }
    const n = Math.round((N / (best * 1000)) * us);
    let sink = 0, maxLagMs = 0;
    setInterval(() => { process.stderr.write('deferred spin: largest wait ' + maxLagMs + ' ms\\n'); maxLagMs = 0; }, 5000).unref();
    parentPort.on('message', (batch) => {
      for (const t of batch) sink ^= spin(n) ^ t;
      maxLagMs = Math.max(maxLagMs, Date.now() - batch[0]);
      if (sink === 0x7fffffff) process.stderr.write('spun to the end\\n');
    });
  `;
  const worker = new Worker(code, { eval: true, workerData: { us, policy } });
  worker.unref();
  let batch = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    worker.postMessage(batch);
    batch = [];
  };
  return async function deferredSpin(_ctx, next) {
    batch.push(Date.now());
    if (!scheduled) {
      scheduled = true;
      setTimeout(flush, 20);
    }
    return next();
  };
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
