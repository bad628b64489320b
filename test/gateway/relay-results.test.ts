// Results cross the gateway untouched (vendor fields at every depth, structuredContent) except for identity, which
// is the gateway's; and the same relay works with HTTP upstreams (server-everything, a framework server).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { http, type RunningGateway, relayUpstream, startGateway, text, vendorUpstream } from './helpers/harness.js';
import { type PeerProcess, startEverythingHttp, startRelayUpstreamHttp } from './helpers/peers-process.js';

const Loose = z.looseObject({});
const SERVER_INFO = 'io.modelcontextprotocol/serverInfo';
const GATEWAY = { name: 'mcplex-gateway', version: '0.1.0' };

describe('results and identity across the hop', () => {
  let gw: RunningGateway;
  let evHttp: PeerProcess;
  let fwHttp: PeerProcess;

  beforeAll(async () => {
    [evHttp, fwHttp] = await Promise.all([startEverythingHttp(), startRelayUpstreamHttp()]);
    gw = await startGateway([vendorUpstream(), relayUpstream(), http('evh', evHttp.url), http('fwh', fwHttp.url)]);
  }, 60_000);
  afterAll(async () => {
    await gw?.close();
    await Promise.allSettled([evHttp?.stop(), fwHttp?.stop()]);
  }, 30_000);

  it('HTTP upstreams are up in their own eras', () => {
    expect(gw.gateway.health().upstreams.map((u) => [u.name, u.transport, u.state, u.era])).toEqual([
      ['v1', 'stdio', 'up', 'legacy'],
      ['fw', 'stdio', 'up', 'modern'],
      ['evh', 'http', 'up', 'legacy'],
      ['fwh', 'http', 'up', 'modern'],
    ]);
  });

  for (const era of ['legacy', 'modern'] as const) {
    it(`${era} caller: vendor fields in tool definitions, content blocks, structuredContent, top level and _meta survive`, async () => {
      const client = await gw.connect(era);
      const listed = await client.request({ method: 'tools/list', params: {} }, Loose);
      expect((listed.tools as Array<Record<string, unknown>>).find((t) => t.name === 'v1__vendor_fields')).toEqual({
        name: 'v1__vendor_fields',
        description: 'Returns a result full of vendor extensions',
        inputSchema: { type: 'object', properties: { n: { type: 'number' } } },
        outputSchema: { type: 'object', properties: { n: { type: 'number' } } },
        'x-vendor-tool': { rank: 1 },
      });
      const result = await client.request({ method: 'tools/call', params: { name: 'v1__vendor_fields', arguments: { n: 5 } } }, Loose);
      const { _meta, ...body } = result as { _meta?: Record<string, unknown> };
      expect(body).toEqual({
        content: [{ type: 'text', text: 'n=5', 'x-block-extra': { kept: true } }],
        structuredContent: { n: 5, nested: { 'x-deep': [1, 2] } },
        'x-top-level': 'survives',
      });
      // A 2026 result is stamped with the gateway's identity; the upstream's other _meta keys are kept.
      expect(_meta).toEqual({ 'acme.dev/trace': 'abc123', ...(era === 'modern' && { [SERVER_INFO]: GATEWAY }) });
    });

    it(`${era} caller: structured output from 2025 and 2026 upstreams, with the gateway as the server`, async () => {
      const client = await gw.connect(era);
      expect(client.getServerVersion()).toEqual(GATEWAY);
      const weather = await client.request({ method: 'tools/call', params: { name: 'fw__weather', arguments: { city: 'Oslo' } } }, Loose);
      expect(weather.structuredContent).toEqual({ city: 'Oslo', tempC: 21 });
      expect((weather._meta as Record<string, unknown> | undefined)?.[SERVER_INFO]).toEqual(era === 'modern' ? GATEWAY : undefined);
      const structured = await client.callTool({ name: 'evh__get-structured-content', arguments: { location: 'Chicago' } });
      expect(structured.structuredContent).toEqual({ temperature: 36, conditions: 'Light rain / drizzle', humidity: 82 });
      expect(JSON.parse(text(structured))).toEqual({ temperature: 36, conditions: 'Light rain / drizzle', humidity: 82 });
    });

    it(`${era} caller: calls, progress and elicitation over HTTP upstreams`, async () => {
      const client = await gw.connect(era, {
        options: { capabilities: { elicitation: { form: {} } } },
        setup: (c) => c.setRequestHandler('elicitation/create', async () => ({ action: 'accept', content: { name: `http-${era}` } })),
      });
      expect(text(await client.callTool({ name: 'evh__get-sum', arguments: { a: 19, b: 23 } }))).toBe('The sum of 19 and 23 is 42.');
      const seen: number[] = [];
      await client.callTool({ name: 'evh__trigger-long-running-operation', arguments: { duration: 0.2, steps: 2 } }, { onprogress: (p) => seen.push(p.progress) });
      expect(seen).toEqual([1, 2]);
      expect(text(await client.callTool({ name: 'fwh__ask', arguments: { question: 'name?' } }))).toBe(`hello http-${era} (modern)`);
    });
  }
});
