// `npm run bench -- stages [piece|group…] [--calls N]`: what each middleware costs by itself, in this process, with
// no HTTP, upstream, load client or other process on the CPU: every named piece (or group) of `allMiddleware()`
// composed alone in front of a terminal that answers at once, 16 calls in flight, N calls (default 40 000) per
// repetition, the median of 5 repetitions after 2 unreported ones. The figures are the stage's own work (and the
// garbage it leaves): far steadier than the gateway's, and far smaller (bench/README.md, "Where the stacks' cost
// comes from"). `none` (always first) is the pipeline with nothing in it.
import { ContextState, compose, type Handler, type McpResult, type Principal, silentLogger } from '../src/core/index.js';
import { allMiddleware, MIDDLEWARE_GROUPS } from '../src/middleware/all.js';
import { numberOption } from './plan.js';

const DEFAULT = ['tracing', 'metrics', 'otlp-metrics', 'request-log', 'audit', ...MIDDLEWARE_GROUPS];
const INFLIGHT = 16;
const REPS = 5;
const WARM_REPS = 2;

const principal: Principal = { id: 'bench', kind: 'apiKey', tenant: 'bench', scopes: ['tools'], claims: {} };
const headers = new Headers({ 'mcp-session-id': 'bench-session', 'mcp-protocol-version': '2025-11-25' });
const PAD = 'x'.repeat(100);
let n = 0;

/** A tools/call as the gateway's pipeline sees one over HTTP: a principal, a session header, 100 characters of text. */
function request() {
  const text = `${n++}:${PAD}`.slice(0, 100);
  return {
    method: 'tools/call',
    target: 'up__echo',
    requestId: n,
    params: { name: 'up__echo', arguments: { text } },
    principal,
    era: 'legacy' as const,
    meta: {},
    signal: new AbortController().signal,
    log: silentLogger,
    state: new ContextState(),
    http: { headers, remoteAddress: '127.0.0.1' },
  };
}

/** Answers with the text it was given, as the bench upstream's echo does. */
const answer: Handler = async (ctx) => ({ content: [{ type: 'text', text: (ctx.params as { arguments: { text: string } }).arguments.text }] }) as McpResult;

/** µs of wall time and of process CPU (every thread: the audit writer's too) per call, one repetition. */
async function repetition(run: Handler, calls: number): Promise<[number, number]> {
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  await Promise.all(
    Array.from({ length: INFLIGHT }, async () => {
      for (let i = 0; i < calls / INFLIGHT; i++) {
        const ctx = request();
        const r = (await run(ctx)) as { content?: Array<{ text?: string }> };
        if (r.content?.[0]?.text !== ctx.params.arguments.text) throw new Error(`stages: wrong answer ${JSON.stringify(r).slice(0, 200)}`);
      }
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  return [((performance.now() - started) * 1000) / calls, (cpu.user + cpu.system) / calls];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export interface StageCost {
  name: string;
  /** Medians over the repetitions, µs per call. */
  wallUs: number;
  cpuUs: number;
}

/** Each name's middleware alone (after `none`, the empty pipeline); undefined if a name matches no middleware. */
export async function measureStages(names: readonly string[], calls = 40_000): Promise<StageCost[] | undefined> {
  const costs: StageCost[] = [];
  for (const name of ['none', ...names]) {
    const stages = name === 'none' ? [] : allMiddleware([name], { inGateway: true });
    if (name !== 'none' && stages.length === 0) return undefined;
    const run = compose(stages, answer);
    const wall: number[] = [];
    const cpu: number[] = [];
    try {
      for (let r = 0; r < WARM_REPS + REPS; r++) {
        const [w, c] = await repetition(run, calls);
        if (r < WARM_REPS) continue;
        wall.push(w);
        cpu.push(c);
      }
    } finally {
      // The audit log drains to its file and stops its writer thread.
      for (const stage of stages) await (stage as { auditLog?: { close(): Promise<void> } }).auditLog?.close();
    }
    costs.push({ name, wallUs: median(wall), cpuUs: median(cpu) });
  }
  return costs;
}

export async function runStagesBench(argv: string[]): Promise<number> {
  const calls = numberOption(argv, '--calls', 40_000);
  const named = argv.filter((a, i) => !a.startsWith('--') && argv[i - 1] !== '--calls');
  const costs = await measureStages(named.length > 0 ? named : DEFAULT, calls);
  if (!costs) {
    process.stderr.write(`stages: name pieces or groups of src/middleware/all.ts (${DEFAULT.join(', ')}, …)\n`);
    return 2;
  }
  const base = costs[0]!.wallUs;
  const rows = ['| stage (in process, 1×16) | µs wall / call | µs CPU / call (all threads) | wall added to `none` |', '|---|---|---|---|'];
  for (const c of costs) rows.push(`| ${c.name} | ${c.wallUs.toFixed(2)} | ${c.cpuUs.toFixed(2)} | ${(c.wallUs - base).toFixed(2)} |`);
  process.stdout.write(`${rows.join('\n')}\n`);
  return 0;
}
