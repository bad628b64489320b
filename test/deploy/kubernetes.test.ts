// deploy/kubernetes/mcplex.yaml: every object is valid against the Kubernetes API schemas (kubernetes-models; no
// cluster runs here), the ConfigMap's config is a valid gateway config that may listen beyond loopback, and the two
// agree: the port, the probes' paths, the user the image runs as, where the config and the state are mounted, the
// drain and the grace period, the Service's selector and port. Then the gateway runs on that config as the pod would
// (its environment, Redis from REDIS_URL; on 127.0.0.1, port 0; the config laid out as the kubelet mounts a ConfigMap):
// ready, an edit of the ConfigMap applied when the kubelet swaps the volume, and on SIGTERM it drains (/readyz 503
// while still serving) before it exits 0.
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1';
import { ConfigMap, Service } from 'kubernetes-models/v1';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { insecureBind } from '../../src/gateway/auth.js';
import { parseConfig } from '../../src/gateway/config/index.js';
import { runCli } from '../gateway/fixtures/cli.js';
import { sharedRedisUrl } from '../helpers/own-redis.js';
import { killStarted, ROOT, waitUntil } from '../helpers/process.js';

afterAll(killStarted);

const docs = parseAllDocuments(readFileSync(join(ROOT, 'deploy/kubernetes/mcplex.yaml'), 'utf8')).map((d) => d.toJS() as Record<string, unknown>);
// biome-ignore lint/suspicious/noExplicitAny: the manifest as plain data; the schemas above and the checks below type it
const of = (kind: string) => docs.find((d) => d.kind === kind) as any;
const configMap = of('ConfigMap');
const deployment = of('Deployment');
const service = of('Service');
const pod = deployment.spec.template.spec;
const container = pod.containers[0];
const configText = String(configMap.data['mcplex.yaml']);
const env = { REDIS_URL: 'redis://127.0.0.1:6379', POD_IP: '10.0.0.5' };
const config = parseConfig(configText, { format: 'yaml', env });
/** The container's `--name value` argument. */
const arg = (name: string) => container.args[container.args.indexOf(name) + 1] as string;
const SHUTDOWN_GRACE_MS = 10_000; // serve-http's default shutdownGraceMs

describe('the Kubernetes manifest', () => {
  it('is valid against the Kubernetes API schemas', () => {
    expect(docs.map((d) => d.kind)).toEqual(['ConfigMap', 'Deployment', 'Service']);
    for (const [Model, doc] of [
      [ConfigMap, configMap],
      [Deployment, deployment],
      [Service, service],
    ] as const) {
      expect(() => new (Model as new (o: unknown) => { validate(): void })(doc).validate(), `${doc.kind} ${doc.metadata.name}`).not.toThrow();
    }
  });

  it('carries a gateway config that may listen beyond loopback, and agrees with it and with the image', () => {
    expect(arg('--host')).toBe('0.0.0.0');
    expect(insecureBind({ ...config, listen: { ...config.listen, host: arg('--host') } })).toBeUndefined();
    expect(config.cluster).toEqual({ redis: { url: env.REDIS_URL, keyPrefix: 'mcplex:session:' }, advertise: `http://${env.POD_IP}:${config.listen.port}` });
    const port = container.ports.find((p: { name: string }) => p.name === 'mcp');
    expect(port.containerPort).toBe(config.listen.port);
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'mcp' });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'mcp' });
    // The pod's IP and Redis come from the environment, as the config reads them.
    expect(container.env.find((e: { name: string }) => e.name === 'POD_IP').valueFrom.fieldRef.fieldPath).toBe('status.podIP');
    expect(container.env.map((e: { name: string }) => e.name).sort()).toEqual(['POD_IP', 'REDIS_URL']);
    // The drain, the calls in flight and stopping the upstreams fit in the grace period.
    expect(config.listen.drainMs).toBeGreaterThan(0);
    expect(config.listen.drainMs! + SHUTDOWN_GRACE_MS).toBeLessThan(pod.terminationGracePeriodSeconds * 1000);
    // The image: its user, where it reads the config and keeps its state.
    const dockerfile = readFileSync(join(ROOT, 'deploy/container/Dockerfile'), 'utf8');
    expect(dockerfile).toContain('USER node');
    expect(pod.securityContext.runAsUser).toBe(1000);
    expect(dockerfile).toContain('VOLUME /var/lib/mcplex');
    const mounts = Object.fromEntries(container.volumeMounts.map((m: { name: string; mountPath: string }) => [m.mountPath, m.name]));
    expect(mounts['/var/lib/mcplex']).toBe('state');
    expect(arg('--config')).toBe('/etc/mcplex/mcplex.yaml');
    expect(mounts['/etc/mcplex']).toBe('config');
    expect(pod.volumes.find((v: { name: string }) => v.name === 'config').configMap.name).toBe(configMap.metadata.name);
    // The Service reaches these pods on that port.
    expect(service.spec.selector).toEqual(deployment.spec.template.metadata.labels);
    expect(service.spec.ports[0].targetPort).toBe('mcp');
  });

  const redisUrl = sharedRedisUrl('the Kubernetes manifest: its config run');
  it.skipIf(!redisUrl)('runs as the pod would: ready, reloads a ConfigMap edit, then on SIGTERM it drains before it exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcplex-k8s-'));
    // The kubelet's layout: mcplex.yaml → ..data/mcplex.yaml, ..data → a timestamped folder; an update swaps ..data.
    const version = (name: string, text: string) => {
      mkdirSync(join(dir, name));
      writeFileSync(join(dir, name, 'mcplex.yaml'), text);
      symlinkSync(name, join(dir, '..data_tmp'));
      renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
    };
    try {
      version('..2026_12_07_01', configText);
      const file = join(dir, 'mcplex.yaml');
      symlinkSync('..data/mcplex.yaml', file);
      const flags = container.args.filter((a: string) => a.startsWith('--') && !['--config', '--host'].includes(a));
      expect(flags).toEqual(['--watch']);
      const cli = runCli(['serve', '--config', file, '--host', '127.0.0.1', '--port', '0', ...flags], { REDIS_URL: redisUrl!, POD_IP: '127.0.0.1' });
      const url = await waitUntil(() => /gateway listening on (http:\/\/\S+)/.exec(cli.stdout())?.[1], 30_000, `the gateway's URL; stderr:\n${cli.stderr().slice(-2000)}`);
      const readyz = () => fetch(new URL('/readyz', url));
      await waitUntil(async () => (await readyz()).status === 200 || undefined, 20_000, 'ready');
      const from = cli.stderr().length;
      version('..2026_12_07_02', configText.replace(/^servers:\n {2}demo:/m, 'servers:\n  tools:'));
      const reloaded = await cli.waitStderr(/.*"msg":"configuration reloaded".*/, 20_000, from);
      expect(JSON.parse(reloaded)).toMatchObject({ why: 'file changed', added: ['tools'], removed: ['demo'] });
      cli.child.kill('SIGTERM');
      await cli.waitStderr(/"msg":"draining: \/readyz answers 503[^"]*"/);
      expect((await readyz()).status).toBe(503);
      expect((await fetch(new URL('/healthz', url))).status).toBe(200);
      expect((await cli.exited(30_000)).code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
