// `servers.<name>.envFile`: a stdio server's variables from a file of NAME=value lines, read when the config is read
// (relative to the config file), `env` winning; a real upstream (the reference "everything" server's get-env) sees
// them, a reload re-reads the file and restarts that server, and a file that cannot be read is a config error.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../src/gateway/config/index.js';
import { tempDirs } from '../helpers/temp-dirs.js';
import { EVERYTHING, type RunningGateway, startGateway } from './helpers/harness.js';

const tempDir = tempDirs('mcplex-envfile-');

const gatewayFile = (envFile: string) =>
  [
    'servers:',
    '  ev:',
    `    command: ${JSON.stringify(process.execPath)}`,
    `    args: [${JSON.stringify(EVERYTHING)}, stdio]`,
    `    envFile: ${envFile}`,
    '    env: { OVERRIDE: from-config }',
    '',
  ].join('\n');

describe('servers.<name>.envFile', () => {
  let g: RunningGateway | undefined;
  afterEach(async () => {
    await g?.close();
    g = undefined;
  });

  it('reads the file into env (the config’s env wins), relative to the config file; the upstream sees it; a reload re-reads it', { timeout: 60_000 }, async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'secrets.env'), '# the upstream’s credentials\nAPI_TOKEN="tok en"\nOVERRIDE=from-file\nexport REGION=eu\n');
    writeFileSync(join(dir, 'mcplex.yaml'), gatewayFile('secrets.env'));
    const config = await loadConfig(join(dir, 'mcplex.yaml'));
    const ev = config.servers.ev!;
    expect(ev.transport === 'stdio' && { env: { ...ev.env }, envFile: ev.envFile }).toEqual({
      env: { API_TOKEN: 'tok en', OVERRIDE: 'from-config', REGION: 'eu' },
      envFile: join(dir, 'secrets.env'),
    });

    g = await startGateway({ ...config, listen: { ...config.listen, port: 0 } });
    const client = await g.connect('legacy');
    const envOf = async () => {
      const result = await client.callTool({ name: 'ev__get-env', arguments: {} });
      return JSON.parse((result.content as Array<{ text: string }>)[0]!.text) as Record<string, string>;
    };
    expect(await envOf()).toMatchObject({ API_TOKEN: 'tok en', OVERRIDE: 'from-config', REGION: 'eu' });

    writeFileSync(join(dir, 'secrets.env'), 'API_TOKEN=rotated\n');
    const report = await g.gateway.reload(await loadConfig(join(dir, 'mcplex.yaml')));
    expect(report.restarted).toEqual(['ev']);
    await expect.poll(async () => (await envOf().catch(() => ({}) as Record<string, string>)).API_TOKEN, { timeout: 20_000 }).toBe('rotated');
    expect((await envOf()).REGION).toBeUndefined();
  });

  it('names the server, the file and the fix when it cannot be read; only for stdio servers', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'mcplex.yaml'), gatewayFile('missing.env'));
    await expect(loadConfig(join(dir, 'mcplex.yaml'))).rejects.toThrow(
      `servers.ev.envFile: cannot read ${join(dir, 'missing.env')} (ENOENT); give a file of NAME=value lines (a relative path starts at the config file's folder)`,
    );
    expect(() => parseConfig('mcpServers:\n  r: { url: "http://127.0.0.1:9/mcp", envFile: .env }\n', { format: 'yaml' })).toThrow(
      'mcpServers.r.envFile: only for stdio servers (this one has url)',
    );
    // Without a config file, a relative path starts at the given folder.
    writeFileSync(join(dir, 'a.env'), 'A=1\n');
    const parsed = parseConfig('servers:\n  s: { command: x, envFile: a.env }\n', { format: 'yaml', baseDir: dir });
    expect(parsed.servers.s!.transport === 'stdio' && parsed.servers.s!.env.A).toBe('1');
  });
});
