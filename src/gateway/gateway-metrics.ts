// The gateway's Prometheus metrics: target labels bounded by the catalog's names, upstream health read at scrape
// time, and where /metrics is served (an admin route on the gateway's listener, or `metrics.listen`).
import { Counter, Gauge } from 'prom-client';
import { REFRESH_OUTCOMES, REFRESH_REASONS, type RefreshEvent } from '../client/oauth-grants.js';
import { type Logger, VERSION } from '../core/index.js';
import type { AuditState } from '../middleware/audit.js';
import { Metrics, type UpstreamStatus } from '../middleware/metrics.js';
import { type HttpRoute, metricsRoute, serveMetrics } from '../server/index.js';
import type { Catalog } from './catalog.js';
import { type GatewayConfig, observability } from './config/index.js';

/** Whether `target` names something the catalog serves: only those become label values (else `other`). */
export const knownTarget =
  (catalog: Catalog) =>
  (method: string, target: string): boolean =>
    method === 'tools/call' ? catalog.tool(target) !== undefined : method === 'prompts/get' ? catalog.prompt(target) !== undefined : catalog.resourceOwner(target) !== undefined;

export class GatewayMetrics {
  readonly metrics: Metrics;
  readonly #oauthRefreshes: Counter;
  /** GET /metrics for the gateway's own listener; none when `metrics.listen` gives it a listener of its own. */
  readonly route: HttpRoute | undefined;
  readonly #listen: { host: string; port: number } | undefined;
  readonly #path: string;

  private constructor(config: GatewayConfig, catalog: Catalog, upstreams: () => readonly UpstreamStatus[], configVersion: () => string, audit: () => AuditState | undefined) {
    const { metrics: m } = observability(config);
    // Only names the catalog serves become label values; anything a client makes up counts as `other`.
    this.metrics = new Metrics({ principalLabel: m.principalLabel, maxTargets: m.maxTargets, knownTarget: knownTarget(catalog) });
    this.metrics.upstreams(upstreams);
    for (const kind of ['tool', 'prompt'] as const) {
      new Gauge({
        name: `mcp_${kind}_pin_changes`,
        help: `${kind === 'tool' ? 'Tools' : 'Prompts'} whose definition differs from the pinned one now (pinning:), by upstream; held="true": not listed until approved`,
        labelNames: ['upstream', 'held'],
        registers: [this.metrics.registry],
        collect() {
          this.reset();
          for (const c of catalog.pins?.changed() ?? []) if (c.kind === kind) this.inc({ upstream: c.server, held: String(c.held) });
        },
      });
    }
    new Gauge({
      name: 'mcp_definitions_withheld',
      help: 'Tools and prompts not served because their definitions hide text from people reading it (servers.<name>.tools.hiddenText), by upstream and kind',
      labelNames: ['upstream', 'kind'],
      registers: [this.metrics.registry],
      collect() {
        this.reset();
        for (const w of catalog.withheldItems) this.inc({ upstream: w.upstream, kind: w.kind });
      },
    });
    new Gauge({
      name: 'mcp_gateway_info',
      help: 'Always 1: the mcplex version and the version of the config this gateway runs (GET /admin/config); replicas that differ run different configs',
      labelNames: ['version', 'config'],
      registers: [this.metrics.registry],
      collect() {
        this.reset();
        this.set({ version: VERSION, config: configVersion() }, 1);
      },
    });
    this.metrics.audit(audit);
    this.#oauthRefreshes = new Counter({
      name: 'mcp_upstream_oauth_refreshes_total',
      help: "Refreshes of the OAuth grants the gateway holds toward upstreams, by upstream, reason (ahead of expiry, or the server answered 401) and outcome (refreshed here, taken from another replica's refresh, failed)",
      labelNames: ['upstream', 'reason', 'outcome'],
      registers: [this.metrics.registry],
    });
    // Each OAuth upstream's series from the start, at 0: an increase over them is defined before a first refresh.
    for (const server of Object.values(config.servers)) {
      if (!server.auth?.oauth) continue;
      for (const reason of REFRESH_REASONS) for (const outcome of REFRESH_OUTCOMES) this.#oauthRefreshes.inc({ upstream: server.name, reason, outcome }, 0);
    }
    this.#listen = m.listen;
    this.#path = m.path;
    this.route = m.listen ? undefined : metricsRoute(this.metrics, { path: m.path });
  }

  /** A refresh of an upstream's OAuth grant (`upstream` is a configured server's name: bounded). */
  oauthRefreshed(upstream: string, e: RefreshEvent): void {
    this.#oauthRefreshes.inc({ upstream, reason: e.reason, outcome: e.outcome });
  }

  /** Undefined with `metrics.enabled: false`. */
  static from(config: GatewayConfig, catalog: Catalog, upstreams: () => readonly UpstreamStatus[], configVersion: () => string, audit: () => AuditState | undefined): GatewayMetrics | undefined {
    return observability(config).metrics.enabled ? new GatewayMetrics(config, catalog, upstreams, configVersion, audit) : undefined;
  }

  /**
   * Wraps a serving handle so the `metrics.listen` listener opens with it and closes with it. Over stdio there is no
   * HTTP listener to share, so that is the only place metrics are served there. A listener that cannot open (its
   * port is taken) fails HTTP serving; over stdio (`required: false`) it is logged and the client served anyway.
   */
  async beside<H extends { close(): Promise<void> }>(handle: H, log: Logger, required = true): Promise<H> {
    if (!this.#listen) return handle;
    try {
      const side = await serveMetrics(this.metrics, { ...this.#listen, path: this.#path });
      log.info({ url: side.url }, 'metrics listening');
      // After the main listener: metrics are still scraped while it drains (`listen.drainMs`).
      return { ...handle, close: () => handle.close().then(() => side.close()) };
    } catch (err) {
      if (!required) {
        log.error({ err }, 'metrics listener failed to start; serving without metrics');
        return handle;
      }
      await handle.close();
      throw err;
    }
  }
}
