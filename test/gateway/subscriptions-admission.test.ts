// Resource subscriptions and 2026-era listens reach upstreams only through the pipeline: a listen is admitted by
// it (or refused, opening nothing), bounded per caller, and the upstream is unsubscribed when its last holder goes.
import { fileURLToPath } from 'node:url';
import type { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterEach, expect, it } from 'vitest';
import { ErrorCode, WireError } from '../../src/core/index.js';
import type { GatewayOptions } from '../../src/gateway/gateway.js';
import { type RunningGateway, startGateway, stdio, text, waitFor } from './helpers/harness.js';

const STUBBORN = fileURLToPath(new URL('./helpers/stubborn-upstream.mjs', import.meta.url));

let gw: RunningGateway;
afterEach(async () => {
  await gw?.close();
}, 30_000);

async function start(opts: GatewayOptions = {}) {
  gw = await startGateway([stdio('st', process.execPath, [STUBBORN])], opts);
  const observer = await gw.connect('legacy');
  /** What the upstream is subscribed to now, and how many subscribe requests it ever got. */
  const upstream = async () => JSON.parse(text(await observer.callTool({ name: 'st__subs', arguments: {} }))) as { now: string[]; ever: number };
  const until = (what: string, check: (s: { now: string[]; ever: number }) => boolean) =>
    waitFor(what, async () => {
      const state = await upstream();
      return check(state) ? state : undefined;
    });
  return { upstream, until };
}

const endSession = async (client: Client) => {
  const transport = client.transport as StreamableHTTPClientTransport;
  await transport.terminateSession();
};

it('keeps an upstream subscription while any session holds it, and unsubscribes when the last one goes', async () => {
  const { upstream, until } = await start();
  const [a, b] = [await gw.connect('legacy'), await gw.connect('legacy')];
  await a.subscribeResource({ uri: 'stub://a' });
  await b.subscribeResource({ uri: 'stub://a' });
  expect(await upstream()).toEqual({ now: ['stub://a'], ever: 1 });
  await a.unsubscribeResource({ uri: 'stub://a' });
  expect((await upstream()).now).toEqual(['stub://a']);
  await endSession(b);
  await until('the upstream to be unsubscribed', (s) => s.now.length === 0);
});

it("subscribes the upstream for an admitted listen once it is acknowledged, and unsubscribes when it ends", async () => {
  const { upstream, until } = await start();
  const modern = await gw.connect('modern');
  const listen = await modern.listen({ resourceSubscriptions: ['stub://b'] });
  await until('the upstream to be subscribed', (s) => s.now.includes('stub://b'));
  await listen.close();
  await until('the upstream to be unsubscribed', (s) => s.now.length === 0);
  expect((await upstream()).ever).toBe(1);
});

it('opens nothing upstream for a listen the pipeline refuses, or the SDK refuses after it', async () => {
  const { upstream } = await start();
  gw.gateway.use(async (ctx, next) => {
    if (ctx.method === 'subscriptions/listen' && (ctx.params as { notifications?: { resourceSubscriptions?: string[] } }).notifications?.resourceSubscriptions?.includes('stub://a')) {
      throw new WireError(ErrorCode.Forbidden, 'not for you');
    }
    return next();
  });
  const modern = await gw.connect('modern');
  await expect(modern.listen({ resourceSubscriptions: ['stub://a'] })).rejects.toThrow(/not for you/);

  // Admitted by the pipeline, refused by the SDK (a filter field of the wrong type): nothing opened.
  const body = {
    jsonrpc: '2.0',
    id: 1,
    method: 'subscriptions/listen',
    params: {
      notifications: { resourceSubscriptions: ['stub://b'], toolsListChanged: 'yes' },
      _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': {} },
    },
  };
  const admitted: string[] = [];
  gw.gateway.use(async (ctx, next) => {
    if (ctx.method === 'subscriptions/listen') admitted.push(JSON.stringify(ctx.params));
    return next();
  });
  const res = await fetch(gw.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'subscriptions/listen' },
    body: JSON.stringify(body),
  });
  const answer = (await res.json()) as { error?: { code: number } };
  expect(answer.error?.code).toBe(ErrorCode.InvalidParams);
  expect(admitted).toHaveLength(1);
  // A listen that is accepted afterwards proves the upstream would have been reached by now.
  const listen = await modern.listen({ resourceSubscriptions: ['stub://b'] });
  const seen = await waitFor('the accepted listen to reach the upstream', async () => ((await upstream()).ever > 0 ? upstream() : undefined));
  expect(seen).toEqual({ now: ['stub://b'], ever: 1 });
  await listen.close();
});

it('bounds the subscriptions one caller holds', async () => {
  const { upstream } = await start({ subscriptions: { perCaller: 1 } });
  const modern = await gw.connect('modern');
  await expect(modern.listen({ resourceSubscriptions: ['stub://a', 'stub://b'] })).rejects.toThrow(/Too many resource subscriptions: at most 1 per client/);
  const legacy = await gw.connect('legacy');
  await legacy.subscribeResource({ uri: 'stub://a' });
  await expect(legacy.subscribeResource({ uri: 'stub://b' })).rejects.toThrow(/at most 1 per client/);
  expect(await upstream()).toEqual({ now: ['stub://a'], ever: 1 });
});
