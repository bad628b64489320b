// deploy/systemd/mcplex.service: systemd finds nothing wrong with it (`systemd-analyze verify`), its sandbox rates
// "OK" or better (`systemd-analyze security --offline`), and the commands it gives systemd work: ExecStart (with
// this checkout for /opt/mcplex/node_modules/mcplex and a test config for /etc/mcplex/mcplex.yaml) serves, ExecReload
// reloads the config, and KillSignal stops the gateway and its children within TimeoutStopSec. The unit is not run
// under systemd itself: this sandbox has no systemd as PID 1.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { killStarted, ROOT, track, waitForExit, waitGone, waitUntil } from '../helpers/process.js';

const UNIT = join(ROOT, 'deploy/systemd/mcplex.service');
const lines = readFileSync(UNIT, 'utf8').split('\n');
/** Every value of `key=` in the unit, in order. */
const values = (key: string) => lines.filter((l) => l.startsWith(`${key}=`)).map((l) => l.slice(key.length + 1));

afterAll(killStarted);

describe('the systemd unit', () => {
  it('passes systemd-analyze verify', () => {
    const run = spawnSync('systemd-analyze', ['verify', UNIT], { encoding: 'utf8' });
    expect(run.error, 'systemd-analyze must be installed (Debian: systemd)').toBeUndefined();
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('has a sandbox systemd rates OK or better', () => {
    const run = spawnSync('systemd-analyze', ['security', '--offline=true', '--no-pager', UNIT], { encoding: 'utf8' });
    const exposure = Number(/Overall exposure level for mcplex\.service: ([\d.]+)/.exec(run.stdout)?.[1]);
    expect(exposure).toBeLessThanOrEqual(2);
  });

  it('runs what ExecStart says, reloads on ExecReload and stops on KillSignal within TimeoutStopSec', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcplex-unit-'));
    const config = join(dir, 'mcplex.yaml');
    writeFileSync(config, 'listen: { port: 0 }\nservers:\n  demo: { command: mcplex, args: [demo, demo] }\n');
    const [command, ...args] = values('ExecStart')[0]!
      .replace('/opt/mcplex/node_modules/mcplex/', ROOT)
      .replace('/etc/mcplex/mcplex.yaml', config)
      .split(' ');
    const env = Object.fromEntries(values('Environment').map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1).replaceAll('/var/lib/mcplex', dir).replaceAll('/var/cache/mcplex', dir)]));
    expect(command).toBe('/usr/bin/node');
    const child = spawn(command!, args, { cwd: dir, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    track(child.pid!);
    let [stdout, stderr] = ['', ''];
    child.stdout!.on('data', (d: Buffer) => (stdout += d));
    child.stderr!.on('data', (d: Buffer) => (stderr += d));
    try {
      const url = await waitUntil(() => /listening on (\S+)/.exec(stdout)?.[1], 30_000, `the gateway's URL; stderr:\n${stderr.slice(-2000)}`);
      expect((await fetch(new URL('/readyz', url))).status).toBe(200);
      const health = (await (await fetch(new URL('/readyz', url))).json()) as { upstreams: Array<{ pid?: number }> };
      const children = health.upstreams.flatMap((u) => (u.pid ? [u.pid] : []));
      expect(children).toHaveLength(1);

      const reload = values('ExecReload')[0]!.replace('$MAINPID', String(child.pid)).split(' ');
      expect(spawnSync(reload[0]!, reload.slice(1)).status).toBe(0);
      await waitUntil(() => stderr.includes('configuration reloaded'), 10_000, 'the reload');

      const stopWithin = Number(values('TimeoutStopSec')[0]) * 1000;
      child.kill(values('KillSignal')[0] as NodeJS.Signals);
      expect(await waitForExit(child, stopWithin)).toEqual({ code: 0, signal: null });
      await waitGone(children, 5_000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
