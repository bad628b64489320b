// deploy/prometheus/mcplex-alerts.yaml: Prometheus's own promtool finds the rules valid and their unit tests
// (mcplex-alerts.test.yaml: thresholds, `for` durations and annotations over simulated time) pass; and a real
// Prometheus (Debian's) scraping two real gateways fires them from what they serve: an upstream that cannot start is
// McplexUpstreamDown (the one that is up is not), two replicas on different configs McplexConfigDrift, an audit store
// that cannot be reached McplexAuditStoreDown, and the gateways stopped McplexGatewayDown. In that run
// the rules' `for` durations are cut to 0 s (the unit tests cover them). `.ci/run` installs Prometheus; without it
// these tests are skipped with the reason printed, except in CI, where its absence fails them.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { silentLogger } from '../../src/core/logger.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { parseConfig } from '../../src/index.js';
import { fixtureServer } from '../gateway/fixtures/cli.js';
import { freePort } from '../helpers/http.js';
import { killStarted, ROOT, track, waitGone, waitUntil } from '../helpers/process.js';

const RULES = join(ROOT, 'deploy/prometheus/mcplex-alerts.yaml');
const PROMTOOL = process.env.PROMTOOL_PATH ?? '/usr/bin/promtool';
const PROMETHEUS = process.env.PROMETHEUS_PATH ?? '/usr/bin/prometheus';

function prometheusPresent(): boolean {
  if (existsSync(PROMTOOL) && existsSync(PROMETHEUS)) return true;
  const why = `no Prometheus at ${PROMETHEUS} / ${PROMTOOL}: apt-get install prometheus (Debian), or set PROMETHEUS_PATH and PROMTOOL_PATH`;
  if (process.env.CI) throw new Error(`the alerting rules cannot be checked: ${why}`);
  console.warn(`alerting rule tests skipped: ${why}`);
  return false;
}
const present = prometheusPresent();
const dir = mkdtempSync(join(tmpdir(), 'mcplex-prometheus-'));
afterAll(() => {
  killStarted();
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!present)('the Prometheus alerting rules', () => {
  it('are valid and pass their unit tests (promtool)', () => {
    const check = spawnSync(PROMTOOL, ['check', 'rules', RULES], { encoding: 'utf8' });
    expect(check.stdout + check.stderr).toContain('SUCCESS: 15 rules found');
    expect(check.status).toBe(0);
    const unit = spawnSync(PROMTOOL, ['test', 'rules', 'mcplex-alerts.test.yaml'], { encoding: 'utf8', cwd: join(ROOT, 'deploy/prometheus') });
    expect(unit.stdout + unit.stderr).toContain('SUCCESS');
    expect(unit.status).toBe(0);
  });

  it('fire in a real Prometheus scraping real gateways: an upstream that cannot start, replicas on different configs, then the gateways stopped', async () => {
    const [gatewayPort, otherPort, prometheusPort, noDatabase] = [await freePort(), await freePort(), await freePort(), await freePort()];
    // Two replicas of one job, the second without the broken server (they run different configs) and with an audit
    // store nobody listens on.
    const started = async (port: number, more: Record<string, unknown>) => {
      const gateway = new Gateway(parseConfig(stringify({ listen: { host: '127.0.0.1', port }, ...more }), { format: 'yaml' }), { logger: silentLogger, restart: { initialDelayMs: 60_000, maxDelayMs: 60_000 } });
      await gateway.start();
      const http = await gateway.serveHttp({ port });
      return { url: http.url, close: () => http.close().then(() => gateway.close()) };
    };
    const gateways = [
      await started(gatewayPort, { servers: { up: fixtureServer('up'), broken: { command: join(dir, 'no-such-server') } } }),
      await started(otherPort, { servers: { up: fixtureServer('up') }, audit: { sink: 'postgres', url: `postgres://postgres@127.0.0.1:${noDatabase}/test`, spillPath: join(dir, 'spill.jsonl') } }),
    ];
    // A request to the second: its audit record cannot be written.
    await fetch(gateways[1]!.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }) });
    let gatewaysOpen = true;
    writeFileSync(join(dir, 'rules.yaml'), readFileSync(RULES, 'utf8').replace(/^(\s+)for: \S+$/gm, '$1for: 0s'));
    writeFileSync(
      join(dir, 'prometheus.yml'),
      stringify({
        global: { scrape_interval: '1s', evaluation_interval: '1s', scrape_timeout: '800ms' },
        rule_files: [join(dir, 'rules.yaml')],
        scrape_configs: [{ job_name: 'mcplex', metrics_path: '/metrics', static_configs: [{ targets: [`127.0.0.1:${gatewayPort}`, `127.0.0.1:${otherPort}`] }] }],
      }),
    );
    const prometheus = spawn(PROMETHEUS, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${prometheusPort}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    track(prometheus.pid!);
    let log = '';
    prometheus.stderr!.on('data', (d: Buffer) => (log += d));
    type Alert = { labels: Record<string, string>; state: string };
    const firing = async () => {
      const res = await fetch(`http://127.0.0.1:${prometheusPort}/api/v1/alerts`).catch(() => undefined);
      if (!res?.ok) return [];
      return ((await res.json()) as { data: { alerts: Alert[] } }).data.alerts.filter((a) => a.state === 'firing');
    };
    try {
      const down = await waitUntil(async () => (await firing()).find((a) => a.labels.alertname === 'McplexUpstreamDown'), 30_000, `McplexUpstreamDown firing; prometheus log:\n${log.slice(-2000)}`);
      expect(down.labels).toMatchObject({ upstream: 'broken', severity: 'critical', instance: `127.0.0.1:${gatewayPort}` });
      const drift = await waitUntil(async () => (await firing()).find((a) => a.labels.alertname === 'McplexConfigDrift'), 30_000, 'McplexConfigDrift firing');
      expect(drift.labels).toMatchObject({ job: 'mcplex', severity: 'warning' });
      const audit = await waitUntil(async () => (await firing()).find((a) => a.labels.alertname === 'McplexAuditStoreDown'), 30_000, 'McplexAuditStoreDown firing');
      expect(audit.labels).toMatchObject({ instance: `127.0.0.1:${otherPort}`, severity: 'warning' });
      // Only there: the first gateway has no audit store (and no series for one).
      expect((await firing()).filter((a) => a.labels.alertname === 'McplexAuditStoreDown').map((a) => a.labels.instance)).toEqual([`127.0.0.1:${otherPort}`]);
      const now = await firing();
      expect(now.filter((a) => a.labels.upstream === 'up')).toEqual([]);
      expect(now.map((a) => a.labels.alertname)).not.toContain('McplexGatewayDown');

      for (const g of gateways) await g.close();
      gatewaysOpen = false;
      const gone = await waitUntil(async () => {
        const down = (await firing()).filter((a) => a.labels.alertname === 'McplexGatewayDown');
        return down.length === 2 ? down : undefined;
      }, 30_000, 'McplexGatewayDown firing for both');
      expect(gone.map((a) => a.labels.instance).sort()).toEqual([`127.0.0.1:${gatewayPort}`, `127.0.0.1:${otherPort}`].sort());
      expect(gone[0]!.labels).toMatchObject({ job: 'mcplex', severity: 'critical' });
    } finally {
      prometheus.kill('SIGTERM');
      expect(await waitGone(prometheus.pid!, 15_000)).toBe(true);
      if (gatewaysOpen) for (const g of gateways) await g.close();
    }
  }, 90_000);
});
