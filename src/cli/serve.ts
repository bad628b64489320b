// `mcplex serve`: runs the gateway on a config file (or the embedded default), over HTTP or stdio,
// reloading on SIGHUP or file change and shutting down cleanly on SIGTERM/SIGINT.
import { statSync, watch } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { GroupWatchdog } from '../client/group-watchdog.js';
import { awaitPredecessors } from '../client/predecessors.js';
import { type Logger, sha256 } from '../core/index.js';
import { insecureBind } from '../gateway/auth.js';
import { type GatewayConfig, observability, writtenSecretsIn } from '../gateway/config/index.js';
import { Gateway, type ReloadReport } from '../gateway/gateway.js';
import { consoleToLogger, createLogger, setLogLevels, startMetrics, startTracing } from '../server/index.js';
import { EMBEDDED_CONFIG, loadOrExit, selfCommand } from './config-file.js';
import { ExitError } from './exit-error.js';
import { restartOnlyChanges } from './restart-only.js';


export interface ServeOptions {
  config?: string;
  stdio?: boolean;
  watch?: boolean;
  port?: number;
  host?: string;
  /** Serve a non-loopback address without authentication. */
  insecure?: boolean;
  /** With `stdio`: serve what this named endpoint shows. */
  endpoint?: string;
  /** Files of NAME=value lines the config's `${VAR}` values come from too (the environment wins); read at each load. */
  secrets?: string[];
}


async function load(path: string, opts: ServeOptions): Promise<GatewayConfig> {
  const config = await loadOrExit(path, opts.secrets);
  if (opts.port !== undefined) config.listen.port = opts.port;
  if (opts.host !== undefined) config.listen.host = opts.host;
  return config;
}

/** A reload applied: what it did, and what of the file waits for a restart (`restartOnlyChanges`). */
type Reloaded = { report: ReloadReport; needsRestart: string[] };

export async function serve(opts: ServeOptions): Promise<void> {
  const path = opts.config ?? EMBEDDED_CONFIG;
  const config = await load(path, opts);
  if (opts.endpoint !== undefined && !opts.stdio) throw new ExitError('--endpoint needs --stdio (over HTTP every endpoint is served at its own path)', 2);
  if (opts.endpoint !== undefined && !config.endpoints?.[opts.endpoint]) {
    const names = Object.keys(config.endpoints ?? {});
    throw new ExitError(`--endpoint ${opts.endpoint}: no such endpoint in ${opts.config ?? 'the embedded config'} (${names.length > 0 ? `one of: ${names.join(', ')}` : 'it has no endpoints: section'})`, 2);
  }
  const { logging, tracing, metrics } = observability(config);
  const log = createLogger('mcplex', logging);
  // What dependencies print with console goes to the log: stdout is the stdio transport's, stderr JSON lines.
  consoleToLogger(log);
  // Before the gateway builds its pipeline, so its spans go to the exporter (OTEL_* variables configure it).
  // No handler code runs here and the gateway's spans name their parents: no context manager (AsyncLocalStorage
  // costs every promise something on Node 20).
  const telemetry = await startTracing({ ...tracing, activeContext: false });
  const otlpMetrics = await startMetrics({ enabled: metrics.otlp, serviceName: tracing.serviceName });
  // `command: mcplex` in a config runs this very CLI (how the embedded default runs the bundled demo servers).
  const self = selfCommand();
  const unsafe = opts.stdio ? undefined : insecureBind(config);
  if (unsafe && !opts.insecure) throw new ExitError(`${unsafe}.`, 2);
  if (unsafe) log.warn({ host: config.listen.host }, 'serving without authentication on a non-loopback address (--insecure)');
  // A gateway a person runs over stdio (an MCP host on their desktop) opens its authorizations in their browser.
  const openBrowser = config.oauth?.openBrowser ?? opts.stdio === true;
  const gateway = new Gateway(config, { logger: log, commands: { mcplex: self }, openBrowser });
  // A gateway restarted on this config (after a crash or SIGKILL) waits until the previous one's upstreams are
  // gone, so the two never run side by side.
  const tag = `config:${sha256(resolve(path)).slice(0, 16)}`;
  GroupWatchdog.tag(tag);
  const waited = await awaitPredecessors(tag);
  if (waited.length > 0) log.info({ watchdogs: waited }, 'waited for the upstreams of a previous gateway on this config to stop');
  let handle: { close(): Promise<void> } | undefined;
  let stopping = false;

  // Signal handlers go in before any upstream starts: a signal during startup must still stop the children we
  // spawned (they run in their own process groups, so nothing else would), and SIGHUP must not kill us.
  const starting = gateway.start();
  let reloading: Promise<unknown> = starting.catch(() => {});
  const stop = (why: string) => {
    if (stopping) {
      // A second signal while the listener drains (`listen.drainMs`): close it now.
      void handle?.close();
      return;
    }
    stopping = true;
    log.info({ signal: why }, 'shutting down');
    reloading
      .then(() => Promise.allSettled([handle?.close()]))
      .then(() => gateway.close())
      .then(() => Promise.all([telemetry?.shutdown(), otlpMetrics?.shutdown()]))
      .then(
        () => process.exit(0),
        (err) => {
          log.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  /**
   * Reloads the file; resolves to what the reload did and what of the file waits for a restart, or the problem it was
   * rejected for (never rejects).
   */
  const reload = (why: string): Promise<Reloaded | { problem: string }> => {
    const done = reloading.then(async (): Promise<Reloaded | { problem: string }> => {
      if (stopping) return { problem: 'the gateway is shutting down' };
      let needsRestart: string[] = [];
      // Loaded inside the reload, so that a file that does not load is in the audit log as a rejected reload.
      const loaded = async () => {
        const next = await load(path, opts);
        needsRestart = restartOnlyChanges(config, next);
        for (const what of needsRestart) log.warn({ why }, `${what}; restart the gateway to apply it`);
        // Log levels apply at once (and the request line: gateway.reload applies it).
        const levels = observability(next).logging;
        const was = observability(gateway.config).logging;
        if (!isDeepStrictEqual([levels.level, levels.modules], [was.level, was.modules])) {
          setLogLevels(log, levels);
          log.info({ why, level: levels.level ?? 'info', modules: levels.modules }, 'log levels changed');
        }
        return next;
      };
      try {
        const report = await gateway.reload(loaded);
        log.info({ why, ...report, config: gateway.configVersion, ...(needsRestart.length > 0 && { needsRestart }) }, 'configuration reloaded');
        void warnOfWrittenSecrets(path, log);
        return { report, needsRestart };
      } catch (err) {
        const problem = (err as Error).message;
        log.error({ why, problem }, 'configuration reload rejected; the previous configuration keeps running');
        return { problem };
      }
    });
    reloading = done;
    return done;
  };
  // POST /admin/reload: the same as SIGHUP, for who can reach the admin API but not the process (on every replica).
  gateway.adminRoute({
    path: '/admin/reload',
    maxBytes: 1024,
    endsStanding: true,
    // A replica cut off from Redis when a reload was asked reads its file again once it hears the others.
    replayLatest: true,
    async apply(body) {
      if (body === null || typeof body !== 'object' || Array.isArray(body) || Object.keys(body).length > 0) {
        return { status: 400, body: { error: `expected {} (the gateway reads ${path} again)` } };
      }
      const outcome = await reload('POST /admin/reload');
      if (!('report' in outcome)) return { status: 400, body: { error: outcome.problem } };
      const { report, needsRestart } = outcome;
      return { status: 200, body: { reloaded: report, config: gateway.configVersion, ...(needsRestart.length > 0 && { needsRestart }) } };
    },
  });
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGHUP', () => reload('SIGHUP'));

  try {
    await starting;
    if (stopping) return;
    if (opts.stdio) {
      handle = gateway.serveStdio(opts.endpoint !== undefined ? { endpoint: opts.endpoint } : {});
      // The client that spawned us closed our stdin: it is gone, and so must we be (with our children).
      process.stdin.once('end', () => stop('stdin closed'));
    } else {
      const http = await gateway.serveHttp();
      handle = http;
      process.stdout.write(`mcplex gateway listening on ${http.url}\n`);
      for (const [name, e] of Object.entries(config.endpoints ?? {})) process.stdout.write(`  endpoint ${name}: ${new URL(e.path, http.url).href}\n`);
    }
  } catch (err) {
    await gateway.close(); // e.g. the port is taken: do not leave the upstreams running
    throw err;
  }
  log.info({ config: opts.config ?? '(embedded default)', upstreams: gateway.health().upstreams }, 'gateway started');
  if (opts.watch) {
    let timer: NodeJS.Timeout | undefined;
    const changed = () => {
      clearTimeout(timer);
      timer = setTimeout(() => reload('file changed'), 200);
    };
    // The config file, the --secrets files and the servers' env files (those named when the gateway started); a
    // --secrets directory is watched whole (any file in it, a Secret volume's `..data` swapped).
    const secrets = (opts.secrets ?? []).map((f) => resolve(f));
    const secretDirs = secrets.filter((f) => statSync(f, { throwIfNoEntry: false })?.isDirectory());
    for (const dir of secretDirs) watch(dir, changed).unref();
    const files = [resolve(path), ...secrets.filter((f) => !secretDirs.includes(f)), ...Object.values(config.servers).flatMap((s) => (s.transport === 'stdio' && s.envFile ? [s.envFile] : []))];
    // Directories, not files: editors save by writing a new file and renaming it over the old one, after which a
    // watch on the file itself (its old inode) never fires again. A Kubernetes ConfigMap or Secret volume links each
    // file through `..data`, and an update swaps that link (a rename of `..data_tmp` to `..data`): that is a change too.
    for (const dir of new Set(files.map((f) => dirname(f)))) {
      const names = new Set([...files.filter((f) => dirname(f) === dir).map((f) => basename(f)), '..data']);
      watch(dir, (_event, filename) => {
        if (filename === null || names.has(filename)) changed();
      }).unref();
    }
  }
  // After the watch is set (nothing waits for it): named by place, never by value (`mcplex check` says the same;
  // `--strict` there fails a deploy on it).
  void warnOfWrittenSecrets(path, log);
}

async function warnOfWrittenSecrets(path: string, log: Logger): Promise<void> {
  try {
    const written = await writtenSecretsIn(path);
    if (written.length > 0) log.warn({ written: written.map((s) => `${s.path} (${s.kind})`) }, `credentials are written in the config file: name them as \${VAR} (set in the environment or a --secrets file) or use a server's envFile`);
  } catch (err) {
    log.debug({ err }, 'the config file was not checked for credentials written in it');
  }
}
