// The I/O a forwarded call does before it reaches its upstream shows in its trace: exchanging the caller's token
// (RFC 8693, a real token endpoint) and starting the caller's own instance are child spans of the request's span,
// and a call that finds both ready opens neither.
import { SpanKind } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/core/index.js';
import { parseConfig } from '../../../src/gateway/config/index.js';
import { Gateway } from '../../../src/gateway/gateway.js';
import { tracing } from '../../../src/middleware/tracing.js';
import type { HttpHandle } from '../../../src/server/index.js';
import { FAST_RESTART } from '../fixtures/helpers.js';
import { buildUpstream } from '../fixtures/upstream.js';
import { clientAs, testPrincipal, text, tokenEndpoint } from './fixtures.js';

let upstream: HttpHandle;
beforeAll(async () => {
  upstream = await buildUpstream('up').serveHttp({ port: 0 });
});
afterAll(() => upstream.close());

/** The names of the child spans of each `tools/call` span, in the order the calls were made. */
function stagesPerCall(spans: ReadableSpan[]): string[][] {
  const requests = spans.filter((s) => s.name === 'tools/call up__echo' && s.kind === SpanKind.SERVER).sort((a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1]);
  return requests.map((r) => spans.filter((s) => s.parentSpanContext?.spanId === r.spanContext().spanId && s.kind === SpanKind.INTERNAL).map((s) => s.name).sort());
}

describe('isolation stage spans', () => {
  it('token exchange and the isolated instance start are child spans of the first call only', async () => {
    const tokens = await tokenEndpoint();
    const exporter = new InMemorySpanExporter();
    const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).getTracer('test');
    const yaml = `
servers:
  up:
    url: "${upstream.url}"
    auth:
      tokenExchange: { tokenUrl: "${tokens.url}", clientId: client, clientSecret: secret, audience: up-api }
`;
    const gateway = new Gateway(parseConfig(yaml, { format: 'yaml', env: {} }), { logger: silentLogger, restart: FAST_RESTART });
    gateway.use(tracing({ tracer, propagator: new W3CTraceContextPropagator() }), testPrincipal);
    await gateway.start();
    const http = await gateway.serveHttp({ port: 0 });
    const alice = await clientAs(http.url, 'legacy', { Authorization: 'Bearer alice-tok1' });
    try {
      expect(await text(alice, 'up__echo', { text: 'first' })).toBe('up: first');
      expect(await text(alice, 'up__echo', { text: 'second' })).toBe('up: second');
      const perCall = stagesPerCall(exporter.getFinishedSpans());
      expect(perCall).toEqual([['isolated instance start', 'token exchange'], []]);
      expect(tokens.requests.filter((r) => r.grantType === 'urn:ietf:params:oauth:grant-type:token-exchange')).toHaveLength(1);
    } finally {
      await alice.close();
      await http.close();
      await gateway.close();
      await tokens.close();
    }
  });
});
