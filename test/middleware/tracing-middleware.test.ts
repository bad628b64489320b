// The tracing middleware in a framework server, spans kept in memory: parent from HTTP headers when `_meta` has
// none (and `_meta` first when both), the attributes of each kind of request, and how failures are marked.
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createServer, type HttpHandle, silentLogger, stageSpan, ToolError, tracing } from '../../src/index.js';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const TRACE = 'c'.repeat(32);
const HEADER_PARENT = 'd'.repeat(16);
const META_PARENT = 'e'.repeat(16);

const spanFor = (tool: string): ReadableSpan | undefined => exporter.getFinishedSpans().find((s) => s.attributes['gen_ai.tool.name'] === tool);

describe('tracing middleware', () => {
  let handle: HttpHandle;
  let client: Client;

  beforeAll(async () => {
    const server = createServer({ name: 'traced', version: '1.0.0', logger: silentLogger });
    const tracer = provider.getTracer('test');
    server.use(tracing({ tracer, propagator: new W3CTraceContextPropagator() }));
    // A stage that does I/O of its own opens a child span of the request's.
    server.use((ctx, next) => (ctx.target === 'ok' ? stageSpan(ctx, 'cache lookup', next, tracer) : next()));
    server.tool('ok', { description: 'fine', input: z.object({}) }, () => 'fine');
    server.tool('soft_fail', { description: 'tool error', input: z.object({}) }, () => {
      throw new ToolError('no such city');
    });
    server.resource('note://one', { name: 'one' }, () => ({ contents: [{ uri: 'note://one', text: '1' }] }));
    handle = await server.serveHttp();
    // Every HTTP request of this client carries a traceparent header.
    const headers = { traceparent: `00-${TRACE}-${HEADER_PARENT}-01` };
    client = new Client({ name: 't', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(handle.url), { requestInit: { headers } }));
  });
  afterAll(async () => {
    await client?.close();
    await handle?.close();
  });

  it('takes the parent from the HTTP headers when _meta has none', async () => {
    await client.callTool({ name: 'ok', arguments: {} });
    const span = spanFor('ok')!;
    expect(span.spanContext().traceId).toBe(TRACE);
    expect(span.parentSpanContext?.spanId).toBe(HEADER_PARENT);
    expect(span.name).toBe('tools/call ok');
    expect(span.attributes).toMatchObject({ 'mcp.method.name': 'tools/call', 'gen_ai.operation.name': 'execute_tool', 'mcp.protocol.era': 'legacy' });
    expect(span.attributes['mcp.session.id']).toEqual(expect.any(String));
    expect(span.attributes['mcp.protocol.version']).toEqual(expect.any(String));
    expect(span.attributes['network.transport']).toBe('tcp');
    expect(span.status.code).toBe(0);
    const stage = exporter.getFinishedSpans().find((s) => s.name === 'cache lookup')!;
    expect(stage.parentSpanContext?.spanId).toBe(span.spanContext().spanId);
    expect(stage.spanContext().traceId).toBe(TRACE);
  });

  it('prefers _meta over the headers', async () => {
    exporter.reset();
    const other = 'f'.repeat(32);
    await client.callTool({ name: 'ok', arguments: {}, _meta: { traceparent: `00-${other}-${META_PARENT}-01` } });
    const span = spanFor('ok')!;
    expect(span.spanContext().traceId).toBe(other);
    expect(span.parentSpanContext?.spanId).toBe(META_PARENT);
  });

  it('marks tool errors and JSON-RPC errors', async () => {
    exporter.reset();
    const res = await client.callTool({ name: 'soft_fail', arguments: {} });
    expect(res.isError).toBe(true);
    expect(spanFor('soft_fail')).toMatchObject({ status: { code: 2 }, attributes: { 'error.type': 'tool_error' } });
    await expect(client.callTool({ name: 'absent', arguments: {} })).rejects.toThrow();
    const failed = spanFor('absent')!;
    expect(failed.status.code).toBe(2);
    expect(failed.attributes['rpc.response.status_code']).toBe(String(-32602));
  });

  it('names resource reads by URI', async () => {
    exporter.reset();
    await client.readResource({ uri: 'note://one' });
    const span = exporter.getFinishedSpans().find((s) => s.name === 'resources/read note://one')!;
    expect(span.attributes['mcp.resource.uri']).toBe('note://one');
    expect(span.attributes['jsonrpc.request.id']).toEqual(expect.any(String));
  });
});
