// The benchmark targets and how each is started fresh on 127.0.0.1: the mcplex gateway (default and "full"
// pipeline), mcp-proxy, supergateway, the SDK v2 server, the mcplex framework, direct stdio, and (opt-in) the
// floor: a bare HTTP → stdio relay with no MCP machinery.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newApiKey } from '../../src/middleware/auth/index.js';
import type { LoadTarget } from '../load/client.js';
import { freePort, Proc } from './process.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const UPSTREAM = join(ROOT, 'bench/upstream/upstream.mjs');
const NODE = process.execPath;
const TSX = ['--import', 'tsx'];
const STARTUP_MS = 30_000;

export type TargetId = 'mcplex' | 'mcplex-cache' | 'mcplex-auth' | 'mcplex-full' | 'mcplex-security' | 'mcplex-observability' | 'mcplex-resilience' | 'mcplex-tracing' | 'mcplex-tracing-sdk' | 'mcplex-metrics' | 'mcplex-otlp-metrics' | 'mcplex-audit' | 'mcplex-spin' | 'mcplex-defer' | 'mcplex-layers' | 'mcp-proxy' | 'supergateway' | 'sdk-v2' | 'framework' | 'direct' | 'floor' | 'baseline';
export type Era = 'legacy' | 'modern';

export interface Started {
  proc?: Proc;
  load: LoadTarget;
}

export interface TargetDef {
  id: TargetId;
  describe: string;
  /** Eras the bench runs this target in. */
  eras: Era[];
  /** Run only when `--only` names it (a yardstick, not a peer). */
  optIn?: boolean;
  start(era: Era): Promise<Started>;
}

const configFiles = new Map<string, string>();
let configDir: string | undefined;
/** Where this run's config files go: one directory, removed when the run's process exits. */
function configPath(name: string): string {
  if (!configDir) {
    const dir = mkdtempSync(join(tmpdir(), 'mcplex-bench-'));
    configDir = dir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return join(configDir, name);
}
/**
 * The gateway config the mcplex targets share: one stdio upstream named `up`, so tools are `up__echo`, `up__sleep`.
 * With `auth`, an API key is configured (as production would run) and clients must send it.
 */
function gatewayConfig(auth?: { hash: string }, kind: 'plain' | 'auth' | 'baseline' = auth ? 'auth' : 'plain'): string {
  const cached = configFiles.get(kind);
  if (cached) return cached;
  const file = configPath(`gateway-${kind}.json`);
  const config = {
    listen: { host: '127.0.0.1', port: 0, path: '/mcp' },
    ...(auth && { auth: { apiKeys: { [auth.hash]: { id: 'bench', tenant: 'bench', scopes: ['tools'] } } } }),
    // The bare gateway: no /metrics (on by default); the full targets add their own metrics middleware. (A
    // baseline checkout from before metrics existed would refuse the key: baselineConfig.)
    ...(kind !== 'baseline' && { metrics: { enabled: false } }),
    servers: { up: { command: NODE, args: [UPSTREAM] } },
  };
  writeFileSync(file, JSON.stringify(config, null, 2));
  configFiles.set(kind, file);
  return file;
}

/**
 * The bare gateway's config for a baseline checkout, so the two run alike: the same file (metrics off) when that
 * checkout's `mcplex check` takes it, else without the `metrics` key (a checkout from before metrics, which it had none of).
 */
function baselineConfig(dir: string): string {
  const plain = gatewayConfig();
  const check = spawnSync(NODE, [join(dir, 'dist/cli/main.js'), 'check', '--config', plain], { cwd: dir, stdio: 'ignore', timeout: STARTUP_MS });
  return check.status === 0 ? plain : gatewayConfig(undefined, 'baseline');
}

/** The key the full-pipeline target's clients authenticate with. */
const BENCH_KEY = newApiKey();

let cacheConfigFile: string | undefined;
/** The same gateway with its result cache on for echo (the bench upstream does not mark it read-only, so it is named). */
function cacheGatewayConfig(): string {
  if (cacheConfigFile) return cacheConfigFile;
  cacheConfigFile = configPath('gateway-cache.json');
  const config = {
    listen: { host: '127.0.0.1', port: 0, path: '/mcp' },
    servers: { up: { command: NODE, args: [UPSTREAM] } },
    cache: { servers: { up: { tools: { echo: 600_000 } } } },
    // As the bare gateway and the framework target: no /metrics, so a hit is compared with a local tool alone.
    metrics: { enabled: false },
  };
  writeFileSync(cacheConfigFile, JSON.stringify(config, null, 2));
  return cacheConfigFile;
}

async function httpTarget(proc: Proc, url: Promise<string>, era: Era, toolPrefix: string, extra: { headers?: Record<string, string>; sameArgs?: boolean } = {}): Promise<Started> {
  try {
    return { proc, load: { kind: 'http', url: await url, era, serverPid: proc.pid, toolPrefix, ...extra } };
  } catch (err) {
    await proc.stop(1000);
    throw err;
  }
}

const GATEWAY_LINE = /mcplex gateway listening on (\S+)/;

/**
 * The gateway of bench/targets/mcplex-full.mjs with API-key authentication (the load sends the key) and the
 * middleware of allMiddleware() that `groups` names (groups or single pieces; all of them when undefined). Opt-in
 * unless it is the full pipeline.
 */
function fullTarget(id: TargetId, what: string, groups: string | undefined, eras: Era[] = ['legacy'], extra: string[] = []): TargetDef {
  return {
    id,
    describe: `mcplex gateway with API-key authentication and ${what}`,
    eras,
    ...(groups !== undefined && { optIn: true }),
    start: (era) => {
      const proc = new Proc(NODE, ['bench/targets/mcplex-full.mjs', '--config', gatewayConfig(BENCH_KEY), ...(groups ? ['--groups', groups] : []), ...extra], { cwd: ROOT });
      return httpTarget(proc, proc.waitForStdout(GATEWAY_LINE, STARTUP_MS), era, 'up__', { headers: { authorization: `Bearer ${BENCH_KEY.key}` } });
    },
  };
}

const LISTENING = /LISTENING (\S+)/;

export const TARGETS: TargetDef[] = [
  {
    id: 'mcplex',
    describe: 'mcplex gateway (compiled `dist/cli/main.js serve`, like the peers), default pipeline, HTTP in → stdio upstream',
    eras: ['legacy', 'modern'],
    start: (era) => {
      const proc = new Proc(NODE, ['dist/cli/main.js', 'serve', '--config', gatewayConfig()], { cwd: ROOT });
      return httpTarget(proc, proc.waitForStdout(GATEWAY_LINE, STARTUP_MS), era, 'up__');
    },
  },
  {
    id: 'mcplex-cache',
    describe: 'mcplex gateway with `cache:` on for echo, every call the same text: all but the first are cache hits (compare with framework)',
    eras: ['legacy', 'modern'],
    start: (era) => {
      const proc = new Proc(NODE, ['dist/cli/main.js', 'serve', '--config', cacheGatewayConfig()], { cwd: ROOT });
      return httpTarget(proc, proc.waitForStdout(GATEWAY_LINE, STARTUP_MS), era, 'up__', { sameArgs: true });
    },
  },
  fullTarget('mcplex-full', 'every middleware of allMiddleware() (src/middleware/all.ts)', undefined, ['legacy', 'modern']),
  fullTarget('mcplex-auth', 'no middleware added: the base the group and piece targets add theirs to', 'none'),
  fullTarget('mcplex-security', 'the security middleware of allMiddleware() only', 'security'),
  fullTarget('mcplex-observability', 'the observability middleware of allMiddleware() only', 'observability'),
  fullTarget('mcplex-resilience', 'the resilience middleware of allMiddleware() only', 'resilience'),
  fullTarget('mcplex-tracing', 'the tracing middleware of allMiddleware() only (every span recorded)', 'tracing'),
  // What mcplex's lean spans replace: the same middleware making the OTel SDK's own spans (bench/README.md).
  fullTarget('mcplex-tracing-sdk', "the tracing middleware making the OpenTelemetry SDK's own spans instead of mcplex's", 'tracing-sdk'),
  fullTarget('mcplex-metrics', 'the metrics and request-log middleware of allMiddleware() only', 'metrics,request-log'),
  fullTarget('mcplex-otlp-metrics', "the OTLP metrics middleware of allMiddleware() only (the MCP semantic conventions' histograms)", 'otlp-metrics'),
  fullTarget('mcplex-audit', 'the audit middleware of allMiddleware() only (SQLite, writer thread)', 'audit'),
  // The yardstick for the others: what 15 µs of pure CPU on the request thread costs in calls/s (bench/README.md).
  fullTarget('mcplex-spin', 'no middleware added but one spending 15 µs of CPU per request in a loop', 'none', ['legacy'], ['--spin-us', '15']),
  // The same CPU off the request thread: 40 µs a request spun on a worker thread under SCHED_IDLE (bench/README.md).
  fullTarget('mcplex-defer', 'no middleware added but one handing 40 µs of CPU per request to a worker thread under SCHED_IDLE', 'none', ['legacy'], ['--defer-spin-us', '40', '--defer-policy', 'idle']),
  // What the number of layers costs by itself: 14 middleware that only pass the request on (bench/README.md).
  fullTarget('mcplex-layers', 'no middleware added but 14 that only pass the request on', 'none', ['legacy'], ['--layers', '14']),
  {
    id: 'mcp-proxy',
    describe: 'punkpeye mcp-proxy `--host 127.0.0.1 --server stream -- node upstream` (one shared upstream)',
    eras: ['legacy'],
    start: async (era) => {
      const port = await freePort();
      const bin = join(ROOT, 'node_modules/mcp-proxy/dist/bin/mcp-proxy.mjs');
      const proc = new Proc(NODE, [bin, '--host', '127.0.0.1', '--port', String(port), '--server', 'stream', '--', NODE, UPSTREAM], { cwd: ROOT });
      return httpTarget(proc, proc.waitForPort(port, STARTUP_MS).then(() => `http://127.0.0.1:${port}/mcp`), era, '');
    },
  },
  {
    id: 'supergateway',
    describe: 'supergateway `--stdio … --outputTransport streamableHttp --stateful --logLevel none` (one upstream per session)',
    eras: ['legacy'],
    start: async (era) => {
      const port = await freePort();
      const bin = join(ROOT, 'node_modules/supergateway/dist/index.js');
      const preload = join(ROOT, 'bench/targets/loopback-preload.cjs');
      const args = ['--require', preload, bin, '--stdio', `${NODE} ${UPSTREAM}`, '--outputTransport', 'streamableHttp', '--stateful', '--logLevel', 'none', '--port', String(port)];
      const proc = new Proc(NODE, args, { cwd: ROOT });
      return httpTarget(proc, proc.waitForPort(port, STARTUP_MS).then(() => `http://127.0.0.1:${port}/mcp`), era, '');
    },
  },
  {
    id: 'sdk-v2',
    describe: 'official SDK v2 McpServer + NodeStreamableHTTPServerTransport, sessionful, tools in-process',
    eras: ['legacy'],
    start: (era) => {
      const proc = new Proc(NODE, [...TSX, 'bench/targets/sdk-v2.ts'], { cwd: ROOT });
      return httpTarget(proc, proc.waitForStdout(LISTENING, STARTUP_MS), era, '');
    },
  },
  {
    id: 'framework',
    describe: 'mcplex framework `createServer().tool(…).serveHttp()`, tools in-process',
    eras: ['legacy', 'modern'],
    start: (era) => {
      const proc = new Proc(NODE, [...TSX, 'bench/targets/framework.ts'], { cwd: ROOT, env: { ...process.env, MCPLEX_LOG_LEVEL: 'warn' } });
      return httpTarget(proc, proc.waitForStdout(LISTENING, STARTUP_MS), era, '');
    },
  },
  {
    id: 'direct',
    describe: 'no server: the load client speaks stdio to the upstream itself (one upstream process per session)',
    eras: ['legacy'],
    start: async () => ({ load: { kind: 'stdio', command: NODE, args: [UPSTREAM] } }),
  },
  {
    id: 'floor',
    describe: 'bare node:http → stdio relay (`targets/floor.mjs`): no SDK, validation or pipeline; the least a Node gateway can cost',
    eras: ['legacy'],
    optIn: true,
    start: (era) => {
      const proc = new Proc(NODE, [join(ROOT, 'bench/targets/floor.mjs'), UPSTREAM], { cwd: ROOT });
      return httpTarget(proc, proc.waitForStdout(LISTENING, STARTUP_MS), era, '');
    },
  },
  {
    id: 'baseline',
    describe: 'the mcplex gateway built in another checkout (`MCPLEX_BENCH_BASELINE=<dir>`, e.g. the commit before a change), same config',
    eras: ['legacy', 'modern'],
    optIn: true,
    start: (era) => {
      const dir = process.env.MCPLEX_BENCH_BASELINE;
      if (!dir) throw new Error('the baseline target needs MCPLEX_BENCH_BASELINE=<a checkout with dist/ built>');
      const proc = new Proc(NODE, [join(dir, 'dist/cli/main.js'), 'serve', '--config', baselineConfig(dir)], { cwd: dir });
      return httpTarget(proc, proc.waitForStdout(GATEWAY_LINE, STARTUP_MS), era, 'up__');
    },
  },
];
