// deploy/prometheus/mcplex-alerts.yaml: Prometheus's own promtool finds the rules valid and their unit tests
// (mcplex-alerts.test.yaml: thresholds, `for` durations and annotations over simulated time) pass; and a real
// Prometheus (Debian's) scraping a real gateway fires them from what the gateway serves: an upstream that cannot
// start is McplexUpstreamDown (the one that is up is not), and the gateway stopped is McplexGatewayDown. In that run
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
    expect(check.stdout + check.stderr).toContain('SUCCESS: 9 rules found');
    expect(check.status).toBe(0);
    const unit = spawnSync(PROMTOOL, ['test', 'rules', 'mcplex-alerts.test.yaml'], { encoding: 'utf8', cwd: join(ROOT, 'deploy/prometheus') });
    expect(unit.stdout + unit.stderr).toContain('SUCCESS');
    expect(unit.status).toBe(0);
  });

  it('fire in a real Prometheus scraping a real gateway: an upstream that cannot start, then the gateway stopped', async () => {
    const [gatewayPort, prometheusPort] = [await freePort(), await freePort()];
    const config = parseConfig(stringify({ listen: { host: '127.0.0.1', port: gatewayPort }, servers: { up: fixtureServer('up'), broken: { command: join(dir, 'no-such-server') } } }), { format: 'yaml' });
    const gateway = new Gateway(config, { logger: silentLogger, restart: { initialDelayMs: 60_000, maxDelayMs: 60_000 } });
    await gateway.start();
    const http = await gateway.serveHttp({ port: gatewayPort });
    let gatewayOpen = true;
    writeFileSync(join(dir, 'rules.yaml'), readFileSync(RULES, 'utf8').replace(/^(\s+)for: \S+$/gm, '$1for: 0s'));
    writeFileSync(
      join(dir, 'prometheus.yml'),
      stringify({
        global: { scrape_interval: '1s', evaluation_interval: '1s', scrape_timeout: '800ms' },
        rule_files: [join(dir, 'rules.yaml')],
        scrape_configs: [{ job_name: 'mcplex', metrics_path: '/metrics', static_configs: [{ targets: [`127.0.0.1:${gatewayPort}`] }] }],
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
      const now = await firing();
      expect(now.filter((a) => a.labels.upstream === 'up')).toEqual([]);
      expect(now.map((a) => a.labels.alertname)).not.toContain('McplexGatewayDown');

      await http.close();
      await gateway.close();
      gatewayOpen = false;
      const gone = await waitUntil(async () => (await firing()).find((a) => a.labels.alertname === 'McplexGatewayDown'), 30_000, 'McplexGatewayDown firing');
      expect(gone.labels).toMatchObject({ job: 'mcplex', severity: 'critical', instance: `127.0.0.1:${gatewayPort}` });
    } finally {
      prometheus.kill('SIGTERM');
      expect(await waitGone(prometheus.pid!, 15_000)).toBe(true);
      if (gatewayOpen) {
        await http.close();
        await gateway.close();
      }
    }
  }, 90_000);
});
