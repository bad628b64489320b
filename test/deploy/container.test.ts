// deploy/container/Dockerfile, as built: the image given in MCPLEX_IMAGE (`npm run test:image` builds it and runs
// this) serves a mounted config on a published port as a non-root user, with the audit log's native module working,
// reports healthy, and stops on `docker stop` with exit code 0. Building an image takes minutes and a container
// engine, so `npm test` skips this file, saying so.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { describe, expect, it, onTestFinished } from 'vitest';
import { newApiKey } from '../../src/index.js';
import { waitUntil } from '../helpers/process.js';

const image = process.env.MCPLEX_IMAGE;
if (!image) process.stderr.write('container image: skipped, MCPLEX_IMAGE is not set (npm run test:image builds deploy/container/Dockerfile and runs this)\n');

const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8', timeout: 60_000 }).trim();
const name = `mcplex-image-test-${process.pid}`;

describe.skipIf(!image)('the container image', () => {
  it('serves a mounted config as a non-root user, reports healthy, audits, and stops cleanly on docker stop', async () => {
    const admin = newApiKey();
    const dir = mkdtempSync(join(tmpdir(), 'mcplex-image-'));
    onTestFinished(() => {
      spawnSync('docker', ['rm', '-f', '-v', name], { encoding: 'utf8' });
      rmSync(dir, { recursive: true, force: true });
    });
    const config = join(dir, 'mcplex.yaml');
    writeFileSync(
      config,
      [
        'auth:',
        '  apiKeys:',
        `    "${admin.hash}": { id: operator, scopes: [mcplex:admin] }`,
        'servers:',
        '  demo: { command: mcplex, args: [demo, demo] }',
        'audit: { path: audit.db }',
        '',
      ].join('\n'),
    );
    docker('run', '-d', '--name', name, '-p', '127.0.0.1::7333', '-v', `${config}:/etc/mcplex/mcplex.yaml:ro`, image!);
    const port = docker('port', name, '7333/tcp').split('\n')[0]!.split(':').pop();
    const base = `http://127.0.0.1:${port}`;
    await waitUntil(async () => (await fetch(`${base}/readyz`).catch(() => undefined))?.ok, 60_000, 'the gateway ready in the container');

    const client = new Client({ name: 'image-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { requestInit: { headers: { authorization: `Bearer ${admin.key}` } } }));
    try {
      expect((await client.listTools()).tools.map((t) => t.name)).toContain('demo__echo');
      const echoed = await client.callTool({ name: 'demo__echo', arguments: { text: 'from the container' } });
      expect((echoed.content as Array<{ text: string }>)[0]!.text).toBe('from the container');
    } finally {
      await client.close();
    }
    // Without a key: refused (the image binds 0.0.0.0, so the config must authenticate).
    expect((await fetch(`${base}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{}' })).status).toBe(401);
    // The audit log (better-sqlite3, built in the image) has the call, in the state volume.
    const audited = await waitUntil(
      async () => {
        const r = await fetch(`${base}/admin/audit?method=tools/call`, { headers: { authorization: `Bearer ${admin.key}` } });
        const records = ((await r.json()) as { records: Array<{ target: string }> }).records;
        return records.length > 0 ? records : undefined;
      },
      10_000,
      'the call in the audit log',
    );
    expect(audited[0]!.target).toBe('demo__echo');
    expect(docker('exec', name, 'ls', '/var/lib/mcplex')).toContain('audit.db');
    expect(docker('exec', name, 'id', '-u')).toBe('1000');
    // `mcplex` on the image's PATH is its own CLI.
    expect(docker('exec', name, 'mcplex', 'check', '--config', '/etc/mcplex/mcplex.yaml')).toMatch(/^config ok: \/etc\/mcplex\/mcplex.yaml \(version [0-9a-f]{12}; 1 servers.*auth: api keys, audit: sqlite/);
    await waitUntil(() => docker('inspect', '-f', '{{.State.Health.Status}}', name) === 'healthy' || undefined, 60_000, 'docker to report healthy');

    docker('stop', '-t', '30', name);
    expect(docker('inspect', '-f', '{{.State.ExitCode}}', name)).toBe('0');
    const logs = spawnSync('docker', ['logs', name], { encoding: 'utf8' });
    expect(`${logs.stdout}${logs.stderr}`).toMatch(/"signal":"SIGTERM".*"msg":"shutting down"/);
  });
});
