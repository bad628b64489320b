// The per-request completion line and the logging settings: who/what/how long/how it ended in both eras, argument
// redaction (secret-looking keys and configured paths), per-module levels, and pretty vs JSON on stderr.
import { spawn, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { GatewayConfig } from '../../src/gateway/config/index.js';
import { createLogger, createServer, Gateway } from '../../src/index.js';
import { gatewayConfig, stdioServer } from '../gateway/fixtures/helpers.js';
import { connectHttp, type EraName } from '../helpers/clients.js';
import { capturingLogger } from '../helpers/logger.js';
import { killStarted, ROOT, waitForLine, waitUntil } from '../helpers/process.js';

type Line = Record<string, unknown>;

// The environment overrides a logger's configured level; these tests set levels themselves.
delete process.env.MCPLEX_LOG_LEVEL;
delete process.env.LOG_LEVEL;

async function withGateway(
  logging: Record<string, unknown>,
  level: string,
  run: (url: string, lines: Line[], logger: ReturnType<typeof createLogger>, gateway: Gateway, config: GatewayConfig) => Promise<void>,
  modules: Record<string, string> = {},
) {
  const lines: Line[] = [];
  const logger = createLogger('gw', { level, modules, redact: ['args.ssn', 'args.*.card'] }, { write: (l: string) => void lines.push(JSON.parse(l) as Line) });
  const config = { ...gatewayConfig(stdioServer('up')), logging: { format: 'json' as const, modules, requests: 'info' as const, arguments: false, redact: [], ...logging } };
  const gateway = new Gateway(config, { logger });
  // Stands in for authentication: the line reads the principal as the pipeline left it.
  gateway.use(async (ctx, next) => {
    if (ctx.method === 'tools/call') ctx.principal = { id: 'alice', kind: 'apiKey', tenant: 'acme', scopes: [], claims: {} };
    return next();
  });
  await gateway.start();
  const handle = await gateway.serveHttp();
  try {
    await run(handle.url, lines, logger, gateway, config as GatewayConfig);
  } finally {
    await handle.close();
    await gateway.close();
    killStarted();
  }
}

describe('request log', () => {
  for (const era of ['legacy', 'modern'] as EraName[]) {
    it(`writes one line per request with its caller, target, upstream, duration and outcome (${era})`, async () => {
      await withGateway({ arguments: true }, 'info', async (url, lines) => {
        const client = await connectHttp(url, era);
        const args = { text: 'hi', password: 'hunter2-very-secret', ssn: '123-45-6789', nested: { card: '4111111111111111' } };
        await client.callTool({ name: 'up__echo', arguments: args });
        await expect(client.callTool({ name: 'missing_tool', arguments: {} })).rejects.toThrow();
        await client.close();
        const calls = await waitUntil(() => {
          const found = lines.filter((l) => l.msg === 'request' && l.method === 'tools/call');
          return found.length >= 2 ? found : undefined;
        }, 5000, 'two request lines');
        const ok = calls.find((l) => l.target === 'up__echo')!;
        expect(ok).toMatchObject({ module: 'requests', level: 30, upstream: 'up', era, principal: 'alice', tenant: 'acme', client: expect.stringMatching(/^(::ffff:)?127\.0\.0\.1$/), outcome: 'ok' });
        expect(ok.rid).toBeDefined();
        expect(ok.durationMs).toEqual(expect.any(Number));
        expect(ok.args).toEqual({ text: 'hi', password: '[redacted]', ssn: '[redacted]', nested: { card: '[redacted]' } });
        if (era === 'legacy') expect(ok.session).toEqual(expect.any(String));
        else expect(ok.session).toBeUndefined();
        expect(calls.find((l) => l.target === 'missing_tool')).toMatchObject({ outcome: 'error', code: -32602 });
        expect(JSON.stringify(lines)).not.toContain('hunter2');
        expect(JSON.stringify(lines)).not.toContain('4111111111111111');
      });
    }, 30_000);
  }

  it('leaves arguments out unless asked, and obeys the requests module level', async () => {
    await withGateway({}, 'info', async (url, lines) => {
      const client = await connectHttp(url, 'legacy');
      await client.callTool({ name: 'up__echo', arguments: { text: 'plain' } });
      await client.close();
      const line = await waitUntil(() => lines.find((l) => l.msg === 'request' && l.target === 'up__echo'), 5000, 'the request line');
      expect(line.args).toBeUndefined();
    });
    // The module set to warn: the info line is not written, though the logger is at debug.
    await withGateway({}, 'debug', async (url, lines, logger) => {
      const client = await connectHttp(url, 'legacy');
      await client.callTool({ name: 'up__echo', arguments: { text: 'quiet' } });
      await client.close();
      expect(lines.some((l) => l.msg === 'request')).toBe(false);
      logger.child({ module: 'other' }).debug({}, 'other modules keep the logger level');
      expect(lines.some((l) => l.msg === 'other modules keep the logger level')).toBe(true);
    }, { requests: 'warn' });
  }, 30_000);

  it('takes logging.requests and logging.arguments from a reload, for the next requests, without a restart', async () => {
    await withGateway({ requests: 'off' }, 'info', async (url, lines, _logger, gateway, config) => {
      const client = await connectHttp(url, 'legacy');
      const requestLines = () => lines.filter((l) => l.msg === 'request' && l.target === 'up__echo');
      // The line is written before the answer is sent: none by the time the answer is here means none at all.
      await client.callTool({ name: 'up__echo', arguments: { text: 'off' } });
      expect(requestLines()).toHaveLength(0);
      const pid = gateway.health().upstreams[0]!.pid;
      await gateway.reload({ ...config, logging: { ...config.logging!, requests: 'info', arguments: true } });
      await client.callTool({ name: 'up__echo', arguments: { text: 'on' } });
      expect(requestLines()).toEqual([expect.objectContaining({ level: 30, outcome: 'ok', args: { text: 'on' } })]);
      await gateway.reload({ ...config, logging: { ...config.logging!, requests: 'off' } });
      await client.callTool({ name: 'up__echo', arguments: { text: 'off again' } });
      expect(requestLines()).toHaveLength(1);
      expect(gateway.health().upstreams[0]!.pid).toBe(pid);
      await client.close();
    });
  }, 30_000);
});

describe('ctx.log', () => {
  it("carries the request's id, method, target, session and principal on every line", async () => {
    const log = capturingLogger();
    const server = createServer({ name: 'fw', version: '1.0.0', logger: log });
    server.tool('say', { description: 'logs a line', input: z.object({}) }, (_args, ctx) => {
      ctx.call.log.info({ step: 1 }, 'inside the handler');
      return 'said';
    });
    const handle = await server.serveHttp();
    const client = await connectHttp(handle.url, 'legacy');
    try {
      await client.callTool({ name: 'say', arguments: {} });
      const entry = log.entries.find((e) => e.msg === 'inside the handler')!;
      expect(entry.bindings).toMatchObject({ method: 'tools/call', target: 'say', principal: 'anonymous', session: expect.any(String) });
      expect(entry.bindings.rid).toBeDefined();
    } finally {
      await client.close();
      await handle.close();
    }
  });
});

describe('log format', () => {
  const run = (env: Record<string, string>) =>
    spawnSync(process.execPath, ['--import', 'tsx', '-e', "import('./src/server/logger.ts').then((m) => m.createLogger('fmt').info({ a: 1 }, 'hello there'))"], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      encoding: 'utf8',
      timeout: 20_000,
    }).stderr;

  it('is JSON on a non-terminal stderr by default, human-readable when asked', () => {
    const json = JSON.parse(run({}).trim()) as Line;
    expect(json).toMatchObject({ msg: 'hello there', name: 'fmt', a: 1 });
    const pretty = run({ MCPLEX_LOG_FORMAT: 'pretty' });
    expect(pretty).toContain('INFO');
    expect(pretty).toContain('hello there');
    expect(() => JSON.parse(pretty.trim())).toThrow();
  }, 30_000);

  it('loses no line written just before the process exits (stderr is written asynchronously)', () => {
    const script = "import('./src/server/logger.ts').then((m) => { const log = m.createLogger('burst'); for (let i = 0; i < 20000; i++) log.info({ i }, 'line'); process.exit(0); })";
    const out = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, env: process.env, encoding: 'utf8', timeout: 20_000, maxBuffer: 64 * 1024 * 1024 });
    const lines = out.stderr.trim().split('\n').map((l) => JSON.parse(l) as { i: number });
    expect(lines).toHaveLength(20_000);
    expect(lines[19_999]?.i).toBe(19_999);
  }, 30_000);

  it('drops lines rather than grow without bound when stderr is not read, and says how many once it is', async () => {
    // 250,000 lines of ≈ 100 bytes while nobody reads: the first 16 MB wait, the rest are dropped and counted.
    const script = "import('./src/server/logger.ts').then((m) => { const log = m.createLogger('flood'); for (let i = 0; i < 250000; i++) log.info({ i }, 'line'); process.stdout.write('written\\n'); setTimeout(() => {}, 3000); })";
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stderr.pause();
    await waitForLine(child.stdout, (l) => l === 'written', 20_000);
    let text = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      text += d;
    });
    child.stderr.resume();
    await waitUntil(() => /log lines were dropped/.test(text) || undefined, 20_000, 'the count of dropped lines');
    child.kill();
    const lines = text.trim().split('\n').map((l) => JSON.parse(l) as { i?: number; msg: string });
    const note = lines.find((l) => l.msg.includes('dropped'))!;
    const dropped = Number(/^(\d+) log lines were dropped: the reader of stderr fell 16 MB behind$/.exec(note.msg)?.[1]);
    const kept = lines.filter((l) => l.i !== undefined);
    expect(dropped).toBeGreaterThan(0);
    expect(kept.length + dropped).toBe(250_000);
    expect(kept.map((l) => l.i)).toEqual([...Array(kept.length).keys()]);
  }, 60_000);
});
