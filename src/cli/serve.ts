// `mcplex serve`: runs the gateway on a config file (or the embedded default), over HTTP or stdio,
// reloading on SIGHUP or file change and shutting down cleanly on SIGTERM/SIGINT.
import { watch } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../core/index.js';
import { formatConfigError, type GatewayConfig, loadConfig } from '../gateway/config/index.js';
import { Gateway } from '../gateway/gateway.js';
import { createLogger } from '../server/index.js';

export const EMBEDDED_CONFIG = fileURLToPath(new URL('../../mcplex.example.yaml', import.meta.url));

export interface ServeOptions {
  config?: string;
  stdio?: boolean;
  watch?: boolean;
  port?: number;
  host?: string;
}

/** Exit code 2 means the configuration is invalid. */
export class ExitError extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

async function load(path: string, opts: ServeOptions): Promise<GatewayConfig> {
  try {
    const config = await loadConfig(path);
    if (opts.port !== undefined) config.listen.port = opts.port;
    if (opts.host !== undefined) config.listen.host = opts.host;
    return config;
  } catch (err) {
    if (err instanceof ConfigError) throw new ExitError(formatConfigError(err), 2);
    throw err;
  }
}

export async function serve(opts: ServeOptions): Promise<void> {
  const path = opts.config ?? EMBEDDED_CONFIG;
  const log = createLogger('mcplex');
  const gateway = new Gateway(await load(path, opts), { logger: log });
  await gateway.start();
  const handle = opts.stdio ? gateway.serveStdio() : await gateway.serveHttp();
  if ('url' in handle) process.stdout.write(`mcplex gateway listening on ${handle.url}\n`);
  log.info({ config: opts.config ?? '(embedded default)', upstreams: gateway.health().upstreams }, 'gateway started');

  let reloading = Promise.resolve();
  const reload = (why: string) => {
    reloading = reloading.then(async () => {
      try {
        const report = await gateway.reload(await load(path, opts));
        log.info({ why, ...report }, 'configuration reloaded');
      } catch (err) {
        log.error({ why, problem: (err as Error).message }, 'configuration reload rejected; the previous configuration keeps running');
      }
    });
  };
  process.on('SIGHUP', () => reload('SIGHUP'));
  if (opts.watch) {
    let timer: NodeJS.Timeout | undefined;
    watch(path, () => {
      clearTimeout(timer);
      timer = setTimeout(() => reload('file changed'), 200);
    }).unref();
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    Promise.allSettled([handle.close()])
      .then(() => gateway.close())
      .then(
        () => process.exit(0),
        (err) => {
          log.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
