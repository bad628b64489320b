// Third-party clients that speak the legacy HTTP+SSE transport, against the gateway's /sse: the MCP Inspector CLI
// (`--transport sse`, auto-detected from the URL), supergateway bridging it to stdio (`--sse`), and a second mcplex
// gateway whose upstream is this one's /sse (`transport: sse`, the official SDK v2 client's SSE transport). And the
// other way round: an upstream that speaks only that transport (supergateway serving a stdio server over SSE), given
// by its URL alone, is found to refuse Streamable HTTP and reached over SSE.
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/http.js';
import { isAlive, ROOT, spawnNode, waitForLine, waitGone, waitUntil } from '../helpers/process.js';
import { runCli } from './fixtures/cli.js';
import { EVERYTHING, everything, http, type RunningGateway, startGateway, text } from './helpers/harness.js';

const INSPECTOR = join(ROOT, 'node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js');
const SUPERGATEWAY = join(ROOT, 'node_modules/supergateway/dist/index.js');

describe('third-party legacy SSE clients against the gateway', () => {
  let gw: RunningGateway;
  let sseUrl: string;
  const home = mkdtempSync(join(tmpdir(), 'mcplex-sse-clients-'));

  beforeAll(async () => {
    gw = await startGateway([everything()]);
    sseUrl = new URL('/sse', gw.url).href;
  }, 60_000);
  afterAll(async () => {
    await gw?.close();
    rmSync(home, { recursive: true, force: true });
  }, 30_000);

  it('MCP Inspector CLI (transport sse from the /sse URL): tools/list and tools/call', async () => {
    const inspect = (...args: string[]) =>
      new Promise<unknown>((resolve, reject) => {
        execFile(process.execPath, [INSPECTOR, '--cli', '--format', 'json', '-q', sseUrl, ...args], { cwd: ROOT, env: { ...process.env, HOME: home }, timeout: 45_000, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
          if (err) return reject(new Error(`inspector failed: ${err.message}\n${stdout}\n${stderr}`));
          resolve(JSON.parse(stdout));
        });
      });
    const listed = (await inspect('--method', 'tools/list')) as { result: { tools: Array<{ name: string }> } };
    expect(listed.result.tools.map((t) => t.name)).toContain('ev__get-sum');
    expect(await inspect('--method', 'tools/call', '--tool-name', 'ev__get-sum', '--tool-arg', 'a=4', 'b=5')).toMatchObject({
      result: { content: [{ type: 'text', text: 'The sum of 4 and 5 is 9.' }] },
    });
    // Each CLI run held its session for as long as it ran; none is left.
    await waitUntil(async () => ((await (await fetch(new URL('/readyz', gw.url))).json()) as { sessions: number }).sessions === 0, 10_000, 'no session left');
  }, 60_000);

  it('supergateway --sse bridges it to a stdio client', async () => {
    const client = new Client({ name: 'stdio-host', version: '1.0.0' });
    const transport = new StdioClientTransport({ command: process.execPath, args: [SUPERGATEWAY, '--sse', sseUrl, '--logLevel', 'none'], cwd: ROOT, stderr: 'pipe' });
    await client.connect(transport);
    const pid = transport.pid!;
    try {
      expect((await client.listTools()).tools.map((t) => t.name)).toContain('ev__echo');
      expect(text(await client.callTool({ name: 'ev__echo', arguments: { message: 'through two bridges' } }))).toBe('Echo: through two bridges');
    } finally {
      await client.close();
    }
    expect(await waitGone(pid, 10_000)).toBe(true);
  }, 60_000);

  it('a second gateway takes this one as an upstream over SSE', async () => {
    const front = await startGateway([{ ...http('back', sseUrl), transport: 'sse' }]);
    try {
      const client = await front.connect('legacy');
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names).toContain('back__ev__get-sum');
      expect(text(await client.callTool({ name: 'back__ev__get-sum', arguments: { a: 20, b: 22 } }))).toBe('The sum of 20 and 22 is 42.');
      expect(front.gateway.health().upstreams[0]).toMatchObject({ name: 'back', state: 'up' });
    } finally {
      await front.close();
    }
    expect(gw.pids.every(isAlive)).toBe(true);
  }, 60_000);
});

it('an upstream that speaks only the legacy SSE transport, given by its URL alone, is reached over SSE', async () => {
  const port = await freePort();
  const sse = spawnNode([SUPERGATEWAY, '--stdio', `${process.execPath} ${EVERYTHING} stdio`, '--port', String(port)], {});
  try {
    await waitForLine(sse.child.stdout!, (line) => line.includes(`Listening on port ${port}`), 20_000);
    const front = await startGateway([http('old', `http://127.0.0.1:${port}/sse`)]);
    try {
      expect(front.gateway.health().upstreams[0]).toMatchObject({ name: 'old', state: 'up', transport: 'sse' });
      const client = await front.connect('legacy');
      expect(text(await client.callTool({ name: 'old__get-sum', arguments: { a: 5, b: 6 } }))).toBe('The sum of 5 and 6 is 11.');
    } finally {
      await front.close();
    }
    // `mcplex tools --url` the same, without --sse.
    const cli = runCli(['tools', '--url', `http://127.0.0.1:${port}/sse`, '--json'], { MCPLEX_LOG_LEVEL: 'warn' });
    expect((await cli.exited(60_000)).code).toBe(0);
    expect((JSON.parse(cli.stdout()) as Array<{ name: string }>).map((t) => t.name)).toContain('get-sum');
  } finally {
    sse.child.kill('SIGTERM');
    await waitGone(sse.pid, 10_000);
  }
}, 60_000);

it('a URL that answers neither transport is down, its error naming both tries', async () => {
  const nothing = createServer((_req, res) => res.writeHead(404, { 'content-type': 'text/plain' }).end('no such page'));
  await new Promise<void>((r) => nothing.listen(0, '127.0.0.1', r));
  const front = await startGateway([http('none', `http://127.0.0.1:${(nothing.address() as AddressInfo).port}/mcp`)]);
  try {
    const health = await waitUntil(() => front.gateway.health().upstreams.find((u) => u.error), 10_000, 'the upstream down');
    expect(health).toMatchObject({ state: expect.not.stringMatching(/^up$/), transport: 'http' });
    expect(health.error).toMatch(/^Cannot connect to upstream 'none' at http:\/\/127\.0\.0\.1:\d+\/mcp: Error POSTing to endpoint: no such page \(HTTP 404\); over the legacy SSE transport: SSE error: Non-200 status code \(404\)$/);
  } finally {
    await front.close();
    nothing.close();
  }
}, 60_000);
