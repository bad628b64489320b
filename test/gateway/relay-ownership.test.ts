// Server→client traffic belongs to the caller whose call caused it. A caller that cancels keeps ownership while
// its upstream works on (here: an upstream that ignores cancellation), so another caller never sees its prompt or
// logs; the one client of `serve --stdio` gets its elicitations relayed; roots/list outside a call is answered.
import { fileURLToPath } from 'node:url';
import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/core/index.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { silentLogger } from '../../src/index.js';
import { waitGone } from '../helpers/process.js';
import { http, type RunningGateway, startGateway, stdio, text, waitFor } from './helpers/harness.js';
import { startRelayUpstreamHttp } from './helpers/peers-process.js';

const STUBBORN = fileURLToPath(new URL('./helpers/stubborn-upstream.mjs', import.meta.url));
const stubborn = () => stdio('st', process.execPath, [STUBBORN]);

/** A logger that keeps the upstream's stderr lines (the fixture reports what it saw there). */
function stderrLines(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger: Logger = {
    ...silentLogger,
    info: (obj, msg) => {
      if (msg === 'stderr') lines.push(String((obj as { line: string }).line));
    },
    child: () => logger,
  };
  return { logger, lines };
}

interface Caller {
  client: Client;
  asked: string[];
  logs: string[];
}

async function caller(connect: (setup: (c: Client) => void) => Promise<Client>): Promise<Caller> {
  const asked: string[] = [];
  const logs: string[] = [];
  const client = await connect((c) => {
    c.setRequestHandler('elicitation/create', async (req) => {
      asked.push(String(req.params.message));
      return { action: 'accept', content: {} } as never;
    });
    c.setNotificationHandler('notifications/message', (n) => {
      const data = n.params.data;
      logs.push(typeof data === 'string' ? data : JSON.stringify(data));
    });
  });
  await client.setLoggingLevel('debug');
  return { client, asked, logs };
}

const CAPS = { capabilities: { elicitation: { form: {} } } };

describe('over HTTP, two clients', () => {
  let gw: RunningGateway;
  afterEach(async () => {
    await gw?.close();
  }, 30_000);

  it("keeps a cancelled call's elicitation and logs from the other caller until the upstream answers it", async () => {
    const seen = stderrLines();
    // A grace period far longer than the test: only the upstream's late answer can end B's ownership.
    gw = await startGateway([stubborn()], { logger: seen.logger, abandonGraceMs: 600_000 });
    const connect = (setup: (c: Client) => void) => gw.connect('legacy', { options: CAPS, setup });
    const [a, b] = [await caller(connect), await caller(connect)];

    const cancel = new AbortController();
    const held = b.client.callTool({ name: 'st__hold', arguments: {} }, { signal: cancel.signal });
    await waitFor('the upstream to hold B’s call', () => (b.logs.includes('holding') ? true : undefined));
    cancel.abort('user pressed stop');
    await expect(held).rejects.toThrow();
    await waitFor('the cancellation to reach the upstream', () => seen.lines.find((l) => l.startsWith('cancel ignored')));

    // A's call makes the upstream act for B's call: a log and an elicitation, then B's (late) answer, then A's.
    const second = await a.client.callTool({ name: 'st__hold', arguments: {} });
    expect(text(second)).toBe('second call done');
    const outcome = await waitFor('the upstream to report its elicitation', () => seen.lines.find((l) => l.startsWith('elicitation for the held call')));
    expect(outcome).toMatch(/error: .*cannot be told which client/);
    expect(a.asked).toEqual([]);
    // The log went out before A's answer, and relayed logs precede a caller's result: had it been relayed, it would be here.
    expect(a.logs).not.toContain('log for the held call');
    expect(b.asked).toEqual([]);

    // The upstream has answered B's call, so B's ownership is over: a lone caller's elicitation is relayed again.
    const asked = await a.client.callTool({ name: 'st__ask', arguments: {} });
    expect(text(asked)).toMatch(/^answer: /);
    expect(a.asked).toEqual(['a question for the asking call']);
    expect(a.logs).toContain('log for the asking call');
  });

  it('lets a 2026-era HTTP upstream’s later logs through at once after a cancelled call: its request streams close with it', async () => {
    const peer = await startRelayUpstreamHttp();
    try {
      gw = await startGateway([http('fw', peer.url)], { abandonGraceMs: 600_000 });
      expect(gw.gateway.health().upstreams[0]).toMatchObject({ era: 'modern' });
      const connect = (setup: (c: Client) => void) => gw.connect('legacy', { options: CAPS, setup });
      const [a, b] = [await caller(connect), await caller(connect)];
      const cancel = new AbortController();
      const waiting = b.client.callTool({ name: 'fw__wait_cancel', arguments: { id: 'b' } }, { signal: cancel.signal });
      const state = async () => JSON.parse(text(await a.client.callTool({ name: 'fw__cancellations', arguments: {} }))) as { started: string[]; cancelled: string[] };
      await waitFor('the upstream to start B’s call', async () => ((await state()).started.includes('b') ? true : undefined));
      cancel.abort('stop');
      await expect(waiting).rejects.toThrow();
      await waitFor('the upstream to see the cancellation', async () => ((await state()).cancelled.includes('b') ? true : undefined));
      expect(text(await a.client.callTool({ name: 'fw__log', arguments: { tag: 'a' } }))).toBe('logged a');
      // Relayed logs precede the result, so they are here now.
      expect(a.logs.filter((l) => l.includes('"tag":"a"'))).toEqual(['{"tag":"a","n":1}', '{"tag":"a","n":2}', '{"tag":"a","n":3}']);
    } finally {
      await gw?.close();
      await peer.stop();
    }
  });

  it('answers an upstream roots/list outside any call with no roots by default', async () => {
    gw = await startGateway([stubborn()]);
    const a = await caller((setup) => gw.connect('legacy', { options: CAPS, setup }));
    expect(text(await a.client.callTool({ name: 'st__roots', arguments: {} }))).toBe('answer: {"roots":[]}');
  });
});

describe('over stdio, the one client', () => {
  let gateway: Gateway | undefined;
  let client: Client | undefined;
  afterEach(async () => {
    await client?.close();
    const pids = gateway?.health().upstreams.flatMap((u) => ('pid' in u && u.pid ? [u.pid] : [])) ?? [];
    await gateway?.close();
    await waitGone(pids);
  }, 30_000);

  it('relays elicitation to concurrent calls, and answers roots/list from the config', async () => {
    const roots = [{ uri: 'file:///srv/data', name: 'data' }];
    gateway = new Gateway({ listen: { host: '127.0.0.1', port: 0, path: '/mcp' }, separator: '__', roots, servers: { st: stubborn() } }, { logger: silentLogger });
    await gateway.start();
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    const served = gateway.host.serveStdio({ transport: serverSide });
    const one = await caller(async (setup) => {
      client = new Client({ name: 'one', version: '1.0.0' }, CAPS);
      setup(client);
      await client.connect(clientSide);
      const close = client.close.bind(client);
      client.close = async () => {
        await close();
        await served.close();
      };
      return client;
    });

    const first = one.client.callTool({ name: 'st__hold', arguments: {} });
    await waitFor('the upstream to hold the first call', () => (one.logs.includes('holding') ? true : undefined));
    const second = await one.client.callTool({ name: 'st__hold', arguments: {} });
    expect(text(second)).toBe('second call done');
    expect(text(await first)).toBe('held call: answer: {"action":"accept","content":{}}');
    expect(one.asked).toEqual(['a question for the held call']);
    expect(text(await one.client.callTool({ name: 'st__roots', arguments: {} }))).toBe(`answer: ${JSON.stringify({ roots })}`);
  });
});
