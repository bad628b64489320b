// mcplex's lean spans against the SDK's own: the same calls on each give an exporter the same span, field by field
// (times aside, which are taken apart); sampling as the SDK's samplers decide; limits; nothing after end().
import { type Attributes, type Context, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import * as sdk from '@opentelemetry/sdk-trace-base';
import { describe, expect, it, vi } from 'vitest';
import { LeanTracer, type LeanTracerOptions } from '../../src/middleware/lean-tracer.js';
import { samplerFromEnv } from '../../src/server/tracing-sdk.js';

const resource = resourceFromAttributes({ 'service.name': 'lean-test' });
const parentOf = (traceparent: string): Context => new W3CTraceContextPropagator().extract(ROOT_CONTEXT, { traceparent }, { get: (c, k) => (c as Record<string, string>)[k], keys: (c) => Object.keys(c as object) });
const REMOTE = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const UNSAMPLED = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00';

function lean(opts: Partial<Omit<LeanTracerOptions, "processor" | "resource" | "ids" | "scope">> = {}) {
  const exporter = new sdk.InMemorySpanExporter();
  const tracer = new LeanTracer({
    processor: new sdk.SimpleSpanProcessor(exporter),
    resource,
    sampler: opts.sampler ?? new sdk.ParentBasedSampler({ root: new sdk.AlwaysOnSampler() }),
    ids: new sdk.RandomIdGenerator(),
    scope: { name: 'mcplex', version: '9.9.9' },
    attributeCountLimit: opts.attributeCountLimit,
    attributeValueLengthLimit: opts.attributeValueLengthLimit,
    eventCountLimit: opts.eventCountLimit,
    linkCountLimit: opts.linkCountLimit,
    attributePerEventCountLimit: opts.attributePerEventCountLimit,
    attributePerLinkCountLimit: opts.attributePerLinkCountLimit,
  });
  return { tracer, exporter };
}

function sdkTracer(spanLimits?: sdk.SpanLimits) {
  const exporter = new sdk.InMemorySpanExporter();
  const tracer = new sdk.BasicTracerProvider({ resource, spanProcessors: [new sdk.SimpleSpanProcessor(exporter)], ...(spanLimits && { spanLimits }) }).getTracer('mcplex', '9.9.9');
  return { tracer, exporter };
}

/** What the gateway does with spans (and what a handler may do with the request's), on any tracer. */
function story(tracer: Tracer): void {
  const parent = parentOf(REMOTE);
  const server = tracer.startSpan('tools/call echo', { kind: SpanKind.SERVER }, parent);
  server.setAttributes({ 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': 'echo', 'jsonrpc.request.id': '7', nothing: undefined });
  server.setAttribute('retries', 2);
  server.setAttribute('flags', ['a', 'b']);
  const active = trace.setSpan(parent, server);
  const client = tracer.startSpan('tools/call echo', { kind: SpanKind.CLIENT, attributes: { 'mcp.method.name': 'tools/call', 'mcplex.upstream': 'up' } }, active);
  client.addEvent('retry', { attempt: 1 });
  client.recordException(Object.assign(new Error('upstream went away'), { code: 'ECONNRESET' }));
  client.setStatus({ code: SpanStatusCode.ERROR, message: 'went away' });
  client.end();
  server.addLink({ context: client.spanContext(), attributes: { why: 'retried' } });
  server.updateName('tools/call echo!');
  server.setStatus({ code: SpanStatusCode.OK });
  server.setStatus({ code: SpanStatusCode.ERROR, message: 'ignored: OK is final' });
  server.end();
}

/** A finished span as an exporter reads it, times aside. */
function exported(s: sdk.ReadableSpan) {
  return {
    name: s.name,
    kind: s.kind,
    traceId: s.spanContext().traceId,
    traceFlags: s.spanContext().traceFlags,
    parentSpanId: s.parentSpanContext?.spanId,
    attributes: s.attributes,
    status: s.status,
    // The exception's stack names the line that made it, which differs between the two runs: its first line only.
    events: s.events.map((e) => ({ name: e.name, attributes: { ...e.attributes, 'exception.stacktrace': String(e.attributes?.['exception.stacktrace']).split('\n')[0] }, droppedAttributesCount: e.droppedAttributesCount })),
    links: s.links.map((l) => ({ spanId: l.context.spanId, attributes: l.attributes })),
    ended: s.ended,
    dropped: [s.droppedAttributesCount, s.droppedEventsCount, s.droppedLinksCount],
    resource: s.resource.attributes,
    scope: { name: s.instrumentationScope.name, version: s.instrumentationScope.version },
  };
}

/** The same shape with the one span id that differs between two runs (the SERVER span's, the CLIENT's parent) named. */
function comparable(spans: sdk.ReadableSpan[]) {
  const server = spans.find((s) => s.kind === SpanKind.SERVER)!;
  return spans.map((s) => {
    const e = exported(s);
    return { ...e, parentSpanId: e.parentSpanId === server.spanContext().spanId ? 'server' : e.parentSpanId, links: e.links.map((l) => ({ ...l, spanId: 'client' })) };
  });
}

const ms = (t: [number, number]) => t[0] * 1e3 + t[1] / 1e6;

describe('lean spans', () => {
  it('reach an exporter as the SDK spans of the same calls do', () => {
    const ours = lean();
    const theirs = sdkTracer();
    // On the wall clock, as the SDK's: a span starts at Date.now() and ends that plus what the performance clock
    // measured (timeOrigin + performance.now() alone drifted 8 ms from Date.now() in a ten-minute-old worker).
    const before = Date.now();
    story(ours.tracer);
    story(theirs.tracer);
    const after = Date.now();
    const a = ours.exporter.getFinishedSpans();
    const b = theirs.exporter.getFinishedSpans();
    expect(a).toHaveLength(2);
    expect(comparable(a)).toEqual(comparable(b));
    expect(a[0]!.parentSpanContext?.spanId).toBe(a[1]!.spanContext().spanId);
    expect(a[1]!.parentSpanContext).toMatchObject({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', isRemote: true });
    for (const s of a) {
      expect(s.spanContext().spanId).toMatch(/^[0-9a-f]{16}$/);
      expect(ms(s.startTime)).toBeGreaterThanOrEqual(before - 1);
      expect(ms(s.endTime)).toBeLessThanOrEqual(after + 1);
      expect(ms(s.endTime)).toBeGreaterThanOrEqual(ms(s.startTime));
      expect(ms(s.duration)).toBeCloseTo(ms(s.endTime) - ms(s.startTime), 3);
      expect(s.startTime[1]).toBeLessThan(1e9);
    }
  });

  it('keep to the wall clock when the performance clock has drifted from it, as the SDK spans do', () => {
    const { tracer, exporter } = lean();
    const origin = performance.timeOrigin;
    // timeOrigin + performance.now() five seconds behind Date.now(), as in a process that ran for days.
    const drifted = vi.spyOn(performance, 'timeOrigin', 'get').mockReturnValue(origin - 5000);
    try {
      const before = Date.now();
      const span = tracer.startSpan('drifted');
      span.addEvent('midway');
      span.end();
      const perf = tracer.startSpan('perf-clock start', { startTime: performance.now() });
      perf.end();
      const after = Date.now();
      const [s, p] = exporter.getFinishedSpans();
      for (const t of [s!.startTime, s!.events[0]!.time, s!.endTime, p!.startTime]) {
        expect(ms(t)).toBeGreaterThanOrEqual(before - 1);
        expect(ms(t)).toBeLessThanOrEqual(after + 1);
      }
    } finally {
      drifted.mockRestore();
    }
  });

  it('start a new trace without a parent, and honour explicit times in every form', () => {
    const { tracer, exporter } = lean();
    const start = Date.now() - 1000;
    const span = tracer.startSpan('root', { startTime: start });
    expect(span.spanContext().traceId).toMatch(/^[0-9a-f]{32}$/);
    span.addEvent('at', new Date(start + 100));
    span.end([Math.floor((start + 500) / 1000), ((start + 500) % 1000) * 1e6]);
    const [s] = exporter.getFinishedSpans();
    expect(s!.parentSpanContext).toBeUndefined();
    expect(ms(s!.startTime)).toBeCloseTo(start, 0);
    expect(ms(s!.events[0]!.time)).toBeCloseTo(start + 100, 0);
    expect(ms(s!.duration)).toBeCloseTo(500, 0);
    // A performance-clock number, as the SDK reads one.
    const perf = tracer.startSpan('perf', { startTime: performance.now() });
    perf.end();
    expect(Math.abs(ms(exporter.getFinishedSpans()[1]!.startTime) - Date.now())).toBeLessThan(1000);
  });

  it('run a function in a new active span (startActiveSpan), under the given context or the active one', () => {
    const { tracer, exporter } = lean();
    expect(tracer.startActiveSpan('a', (span) => { span.end(); return 7; })).toBe(7);
    const child = tracer.startActiveSpan('b', { kind: SpanKind.CLIENT }, parentOf(REMOTE), (span) => { span.end(); return span.spanContext().traceId; });
    expect(child).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(exporter.getFinishedSpans().map((s) => [s.name, s.kind, s.parentSpanContext?.spanId])).toEqual([
      ['a', SpanKind.INTERNAL, undefined],
      ['b', SpanKind.CLIENT, 'b7ad6b7169203331'],
    ]);
  });

  it('ignore everything after end(), and are exported once', () => {
    const { tracer, exporter } = lean();
    const span = tracer.startSpan('once');
    span.end();
    expect(span.isRecording()).toBe(false);
    span.setAttribute('late', 1);
    span.setStatus({ code: SpanStatusCode.ERROR });
    span.addEvent('late');
    span.updateName('renamed');
    span.end();
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(1);
    expect(exported(spans[0]!)).toMatchObject({ name: 'once', attributes: {}, status: { code: SpanStatusCode.UNSET }, events: [] });
  });

  it('keep at most the attribute count limit and cut long values', () => {
    const { tracer, exporter } = lean({ attributeCountLimit: 2, attributeValueLengthLimit: 3 });
    const span = tracer.startSpan('limited', { attributes: { a: 'abcdef', b: ['wxyz', 'q'] } });
    span.setAttribute('c', 'dropped');
    span.setAttribute('a', 'replaced');
    span.end();
    const [s] = exporter.getFinishedSpans();
    expect(s!.attributes).toEqual({ a: 'rep', b: ['wxy', 'q'] });
    expect(s!.droppedAttributesCount).toBe(1);
  });

  it('keep events and links within their limits as the SDK does (the oldest dropped, attributes per item capped)', () => {
    const limits = { eventCountLimit: 2, linkCountLimit: 1, attributePerEventCountLimit: 1, attributePerLinkCountLimit: 1, attributeValueLengthLimit: 4 };
    const run = (tracer: Tracer) => {
      const other = tracer.startSpan('other');
      const span = tracer.startSpan('busy', { links: [{ context: other.spanContext(), attributes: { first: 'linked', second: 'x' } }] });
      for (const n of [1, 2, 3]) span.addEvent(`e${n}`, { n, long: 'abcdefgh' });
      span.addLink({ context: other.spanContext(), attributes: {} });
      other.end();
      span.end();
    };
    const ours = lean(limits);
    const theirs = sdkTracer(limits);
    run(ours.tracer);
    run(theirs.tracer);
    const shape = (s: sdk.ReadableSpan) => ({
      events: s.events.map((e) => ({ name: e.name, attributes: e.attributes, droppedAttributesCount: e.droppedAttributesCount })),
      links: s.links.map((l) => ({ attributes: l.attributes, droppedAttributesCount: l.droppedAttributesCount })),
      dropped: [s.droppedEventsCount, s.droppedLinksCount],
    });
    const busy = (e: sdk.InMemorySpanExporter) => shape(e.getFinishedSpans().find((s) => s.name === 'busy')!);
    expect(busy(ours.exporter)).toEqual(busy(theirs.exporter));
    expect(busy(ours.exporter)).toEqual({
      events: [
        { name: 'e2', attributes: { n: 2 }, droppedAttributesCount: 1 },
        { name: 'e3', attributes: { n: 3 }, droppedAttributesCount: 1 },
      ],
      links: [{ attributes: undefined, droppedAttributesCount: undefined }],
      dropped: [1, 1],
    });
    const none = lean({ eventCountLimit: 0, linkCountLimit: 0 });
    const span = none.tracer.startSpan('quiet');
    span.addEvent('x');
    span.addLink({ context: span.spanContext() });
    span.end();
    expect(shape(none.exporter.getFinishedSpans()[0]!)).toEqual({ events: [], links: [], dropped: [1, 1] });
  });

  it('are sampled as the SDK samplers decide, and still carry the trace on when not recorded', () => {
    const off = lean({ sampler: new sdk.AlwaysOffSampler() });
    const span: Span = off.tracer.startSpan('off', {}, parentOf(REMOTE));
    expect(span.isRecording()).toBe(false);
    expect(span.spanContext()).toMatchObject({ traceId: '0af7651916cd43dd8448eb211c80319c', traceFlags: 0 });
    span.end();
    expect(off.exporter.getFinishedSpans()).toHaveLength(0);

    const parentBased = lean();
    const child = parentBased.tracer.startSpan('child of unsampled', {}, parentOf(UNSAMPLED));
    expect(child.isRecording()).toBe(false);
    const root = parentBased.tracer.startSpan('root anyway', { root: true }, parentOf(UNSAMPLED));
    expect(root.isRecording()).toBe(true);
    expect(root.spanContext().traceId).not.toBe('0af7651916cd43dd8448eb211c80319c');
  });
});

describe('samplerFromEnv', () => {
  const decide = (env: Record<string, string>, context: Context = ROOT_CONTEXT, traceId = 'f'.repeat(32)) =>
    samplerFromEnv(sdk, env).shouldSample(context, traceId, 'x', SpanKind.SERVER, {} as Attributes, []).decision;
  const { NOT_RECORD, RECORD_AND_SAMPLED } = sdk.SamplingDecision;

  it('builds the sampler OTEL_TRACES_SAMPLER names, parent-based always-on by default', () => {
    expect(decide({})).toBe(RECORD_AND_SAMPLED);
    expect(decide({}, parentOf(UNSAMPLED))).toBe(NOT_RECORD);
    expect(decide({ OTEL_TRACES_SAMPLER: 'always_on' }, parentOf(UNSAMPLED))).toBe(RECORD_AND_SAMPLED);
    expect(decide({ OTEL_TRACES_SAMPLER: 'always_off' })).toBe(NOT_RECORD);
    expect(decide({ OTEL_TRACES_SAMPLER: 'parentbased_always_off' })).toBe(NOT_RECORD);
    expect(decide({ OTEL_TRACES_SAMPLER: 'parentbased_always_off' }, parentOf(REMOTE))).toBe(RECORD_AND_SAMPLED);
    expect(decide({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' }, ROOT_CONTEXT, '0'.repeat(31) + '1')).toBe(NOT_RECORD);
    expect(decide({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' }, parentOf(REMOTE))).toBe(RECORD_AND_SAMPLED);
    // A ratio out of range is 1, and an unknown name the default.
    expect(decide({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '7' })).toBe(RECORD_AND_SAMPLED);
    expect(decide({ OTEL_TRACES_SAMPLER: 'jaeger_remote' })).toBe(RECORD_AND_SAMPLED);
  });
});
