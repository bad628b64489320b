// The merged catalog against real peers (server-everything, server-memory, the SDK v1 vendor peer, a framework
// upstream): namespaced lists in config order, pagination across upstreams, filters and renames, routing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { everything, memory, type RunningGateway, relayUpstream, startGateway, text, vendorUpstream } from './helpers/harness.js';

const Loose = z.looseObject({});
const EV_TOOLS = [
  'echo', 'get-annotated-message', 'get-env', 'get-resource-links', 'get-resource-reference', 'get-structured-content', 'get-sum',
  'get-tiny-image', 'gzip-file-as-resource', 'toggle-simulated-logging', 'toggle-subscriber-updates', 'trigger-long-running-operation',
  // registered once the client's capabilities are known (the gateway declares sampling, elicitation and roots)
  'get-roots-list', 'trigger-elicitation-request', 'trigger-url-elicitation', 'trigger-sampling-request', 'simulate-research-query',
];
const MEM_TOOLS = ['create_entities', 'create_relations', 'add_observations', 'delete_entities', 'delete_observations', 'delete_relations', 'read_graph', 'search_nodes', 'open_nodes'];
const FW_TOOLS = ['add_tool', 'wait_cancel', 'cancellations', 'ask', 'ask_twice', 'sample', 'log', 'progress', 'touch', 'weather'];
const ALL_TOOLS = [...EV_TOOLS.map((n) => `ev__${n}`), ...MEM_TOOLS.map((n) => `mem__${n}`), ...FW_TOOLS.map((n) => `fw__${n}`), 'v1__vendor_fields'];
const EV_DOCS = ['architecture', 'extension', 'features', 'how-it-works', 'instructions', 'startup', 'structure'];

describe('merged catalog across four real upstreams', () => {
  let gw: RunningGateway;
  const dir = mkdtempSync(join(tmpdir(), 'mcplex-gw-'));

  beforeAll(async () => {
    gw = await startGateway([everything(), memory(join(dir, 'memory.jsonl')), relayUpstream(), vendorUpstream()], { listPageSize: 7 });
  }, 60_000);
  afterAll(async () => {
    await gw?.close();
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('every upstream is up, in its own era, each a separate child process', () => {
    const ups = gw.gateway.health().upstreams.map((u) => [u.name, u.state, u.era]);
    expect(ups).toEqual([['ev', 'up', 'legacy'], ['mem', 'up', 'legacy'], ['fw', 'up', 'modern'], ['v1', 'up', 'legacy']]);
    expect(new Set(gw.pids).size).toBe(4);
  });

  for (const era of ['legacy', 'modern'] as const) {
    it(`${era} caller: namespaced tools, prompts, resources and templates in config order`, async () => {
      const client = await gw.connect(era);
      expect(client.getServerVersion()).toEqual({ name: 'mcplex-gateway', version: '0.1.0' });
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual(ALL_TOOLS);
      expect((await client.listPrompts()).prompts.map((p) => p.name)).toEqual(['ev__simple-prompt', 'ev__args-prompt', 'ev__completable-prompt', 'ev__resource-prompt', 'fw__greet']);
      expect((await client.listResources()).resources.map((r) => r.uri)).toEqual([
        ...EV_DOCS.map((d) => `demo://resource/static/document/${d}.md`),
        'memory://knowledge-graph',
        'relay://watched',
      ]);
      expect((await client.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate)).toEqual([
        'demo://resource/dynamic/text/{resourceId}',
        'demo://resource/dynamic/blob/{resourceId}',
        'relay://items/{id}',
      ]);
    });

    it(`${era} caller: pages of 7 cross upstream boundaries and concatenate to the full list`, async () => {
      const client = await gw.connect(era);
      const pages: string[][] = [];
      let cursor: string | undefined;
      do {
        const page = await client.request({ method: 'tools/list', params: cursor ? { cursor } : {} }, Loose);
        pages.push((page.tools as Array<{ name: string }>).map((t) => t.name));
        cursor = page.nextCursor as string | undefined;
      } while (cursor && pages.length < 20);
      expect(pages.map((p) => p.length)).toEqual([7, 7, 7, 7, 7, 2]);
      expect(pages.flat()).toEqual(ALL_TOOLS);
      expect(pages[2]).toEqual(['ev__trigger-url-elicitation', 'ev__trigger-sampling-request', 'ev__simulate-research-query', 'mem__create_entities', 'mem__create_relations', 'mem__add_observations', 'mem__delete_entities']);
      await expect(client.request({ method: 'tools/list', params: { cursor: 'not-a-cursor' } }, Loose)).rejects.toThrow(/cursor/i);
    });

    it(`${era} caller: reads and completions go to the upstream that owns the URI, template or prompt`, async () => {
      const client = await gw.connect(era);
      expect((await client.readResource({ uri: 'relay://items/42' })).contents).toEqual([{ uri: 'relay://items/42', mimeType: 'text/plain', text: 'item 42' }]);
      const dyn = (await client.readResource({ uri: 'demo://resource/dynamic/text/3' })).contents[0] as { uri: string; text: string };
      expect(dyn.uri).toBe('demo://resource/dynamic/text/3');
      expect(dyn.text).toMatch(/^Resource 3: This is a plaintext resource created at /);
      const complete = (ref: object, argument: object, context?: object) =>
        client.complete({ ref, argument, ...(context && { context }) } as never).then((r) => r.completion.values);
      expect(await complete({ type: 'ref/resource', uri: 'relay://items/{id}' }, { name: 'id', value: 'al' })).toEqual(['alpha', 'alpine']);
      expect(await complete({ type: 'ref/resource', uri: 'demo://resource/dynamic/text/{resourceId}' }, { name: 'resourceId', value: '12' })).toEqual(['12']);
      expect(await complete({ type: 'ref/prompt', name: 'fw__greet' }, { name: 'who', value: 'w' })).toEqual(['world', 'wombat']);
      expect(await complete({ type: 'ref/prompt', name: 'ev__completable-prompt' }, { name: 'name', value: '' }, { arguments: { department: 'Sales' } })).toEqual(['David', 'Eve', 'Frank']);
      await expect(complete({ type: 'ref/prompt', name: 'nope__greet' }, { name: 'who', value: '' })).rejects.toThrow(/Unknown prompt: nope__greet/);
      const prompt = await client.getPrompt({ name: 'ev__args-prompt', arguments: { city: 'Oslo', state: 'Viken' } });
      expect(prompt.messages).toEqual([{ role: 'user', content: { type: 'text', text: "What's weather in Oslo, Viken?" } }]);
      expect((await client.getPrompt({ name: 'fw__greet', arguments: { who: 'Ada' } })).messages[0]?.content).toEqual({ type: 'text', text: 'Hello, Ada!' });
    });
  }

  it('calls reach each peer under its namespaced name', async () => {
    const client = await gw.connect('legacy');
    expect(text(await client.callTool({ name: 'ev__echo', arguments: { message: 'hi' } }))).toBe('Echo: hi');
    expect(text(await client.callTool({ name: 'ev__get-sum', arguments: { a: 2, b: 3 } }))).toBe('The sum of 2 and 3 is 5.');
    const created = await client.callTool({ name: 'mem__create_entities', arguments: { entities: [{ name: 'Ada', entityType: 'person', observations: ['wrote the first program'] }] } });
    expect(created.isError).toBeFalsy();
    const graph = await client.callTool({ name: 'mem__read_graph', arguments: {} });
    expect(JSON.parse(text(graph))).toEqual({ entities: [{ name: 'Ada', entityType: 'person', observations: ['wrote the first program'] }], relations: [] });
    const unknown = await client.callTool({ name: 'mem__no_such_tool', arguments: {} }).catch((e: Error) => e.message);
    expect(JSON.stringify(unknown)).toMatch(/Unknown tool: mem__no_such_tool/);
  });
});

describe('filters, renames and root mounting', () => {
  let gw: RunningGateway;
  const dir = mkdtempSync(join(tmpdir(), 'mcplex-gw-'));

  beforeAll(async () => {
    gw = await startGateway([
      everything('ev', { tools: { include: ['get-*', 'echo', 'trigger-*'], exclude: ['get-env', 'trigger-*-request', 'get-r*'], rename: { echo: 'say', 'get-sum': 'add' } } }),
      memory(join(dir, 'memory.jsonl'), 'mem', { namespace: false, tools: { include: ['read_graph', 'search_*'], rename: { read_graph: 'graph' } } }),
    ]);
  }, 60_000);
  afterAll(async () => {
    await gw?.close();
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('lists only included, non-excluded tools under their new names', async () => {
    const client = await gw.connect('modern');
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual([
      'ev__say', 'ev__get-annotated-message', 'ev__get-structured-content', 'ev__add', 'ev__get-tiny-image',
      'ev__trigger-long-running-operation', 'ev__trigger-url-elicitation', 'graph', 'search_nodes',
    ]);
  });

  it('routes renamed tools to their original names, and refuses filtered ones', async () => {
    const client = await gw.connect('legacy');
    expect(text(await client.callTool({ name: 'ev__say', arguments: { message: 'renamed' } }))).toBe('Echo: renamed');
    expect(text(await client.callTool({ name: 'ev__add', arguments: { a: 40, b: 2 } }))).toBe('The sum of 40 and 2 is 42.');
    expect(JSON.parse(text(await client.callTool({ name: 'graph', arguments: {} })))).toEqual({ entities: [], relations: [] });
    for (const hidden of ['ev__echo', 'ev__get-sum', 'ev__get-env', 'ev__trigger-sampling-request', 'read_graph', 'mem__graph', 'create_entities']) {
      const outcome = await client.callTool({ name: hidden, arguments: {} }).then(
        (r) => JSON.stringify(r),
        (e: Error) => e.message,
      );
      expect(outcome, hidden).toContain(`Unknown tool: ${hidden}`);
    }
  });
});
