// MCP Inspector CLI (@modelcontextprotocol/inspector 2.x) as a third-party client of the gateway: namespaced
// tools/list, tools/call of namespaced tools on two real upstreams, and the unknown-tool exit code.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/process.js';
import { everything, memory, type RunningGateway, startGateway } from './helpers/harness.js';

const INSPECTOR = join(ROOT, 'node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js');

describe('MCP Inspector CLI against the gateway', () => {
  let gw: RunningGateway;
  const home = mkdtempSync(join(tmpdir(), 'mcplex-inspector-'));

  const inspect = (...args: string[]) =>
    new Promise<{ code: number; out: unknown; stderr: string }>((resolve, reject) => {
      execFile(
        process.execPath,
        [INSPECTOR, '--cli', '--format', 'json', '-q', gw.url, ...args],
        { cwd: ROOT, env: { ...process.env, HOME: home }, timeout: 45_000, killSignal: 'SIGKILL' },
        (err, stdout, stderr) => {
          if (err && typeof err.code !== 'number') return reject(err);
          const raw = stdout.trim() || stderr.trim();
          try {
            resolve({ code: typeof err?.code === 'number' ? err.code : 0, out: JSON.parse(raw), stderr });
          } catch {
            reject(new Error(`inspector printed no JSON (exit ${err?.code ?? 0}): ${stdout}\n${stderr}`));
          }
        },
      );
    });

  beforeAll(async () => {
    gw = await startGateway([everything(), memory(join(home, 'memory.jsonl'))]);
  }, 60_000);
  afterAll(async () => {
    await gw?.close();
    rmSync(home, { recursive: true, force: true });
  }, 30_000);

  it('tools/list shows every upstream tool under its namespace, in order', async () => {
    const { code, out } = await inspect('--method', 'tools/list');
    expect(code).toBe(0);
    const names = (out as { result: { tools: Array<{ name: string }> } }).result.tools.map((t) => t.name);
    expect(names.slice(0, 3)).toEqual(['ev__echo', 'ev__get-annotated-message', 'ev__get-env']);
    expect(names.filter((n) => n.startsWith('mem__'))).toEqual([
      'mem__create_entities', 'mem__create_relations', 'mem__add_observations', 'mem__delete_entities', 'mem__delete_observations',
      'mem__delete_relations', 'mem__read_graph', 'mem__search_nodes', 'mem__open_nodes',
    ]);
    expect(names.every((n) => /^(ev|mem)__/.test(n))).toBe(true);
    expect(names).toHaveLength(17 + 9);
  }, 60_000);

  it('tools/call of namespaced tools on server-everything and server-memory', async () => {
    expect(await inspect('--method', 'tools/call', '--tool-name', 'ev__get-sum', '--tool-args-json', '{"a":2,"b":3}')).toMatchObject({
      code: 0,
      out: { result: { content: [{ type: 'text', text: 'The sum of 2 and 3 is 5.' }] } },
    });
    const entities = JSON.stringify({ entities: [{ name: 'Inspector', entityType: 'tool', observations: ['speaks MCP'] }] });
    expect((await inspect('--method', 'tools/call', '--tool-name', 'mem__create_entities', '--tool-args-json', entities)).code).toBe(0);
    const graph = await inspect('--method', 'tools/call', '--tool-name', 'mem__read_graph');
    expect(graph.code).toBe(0);
    const body = (graph.out as { result: { content: Array<{ text: string }> } }).result.content[0]?.text ?? '';
    expect(JSON.parse(body)).toEqual({ entities: [{ name: 'Inspector', entityType: 'tool', observations: ['speaks MCP'] }], relations: [] });
  }, 90_000);

  it('an unknown namespaced tool is an error (exit 5)', async () => {
    expect(await inspect('--method', 'tools/call', '--tool-name', 'ev__nope')).toMatchObject({
      code: 5,
      out: { error: { code: 'tool_not_found', message: "Tool 'ev__nope' not found on server." } },
    });
  }, 60_000);
});
