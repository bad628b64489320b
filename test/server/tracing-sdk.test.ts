// When the OpenTelemetry SDK starts: the config decides, else the standard OTEL_* variables; disabling wins.
import { context, ROOT_CONTEXT, type Span, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { startTracing, tracingWanted } from '../../src/server/tracing-sdk.js';

describe('tracingWanted', () => {
  it('is off with nothing configured, on with an OTLP endpoint', () => {
    expect(tracingWanted({}, {})).toBe(false);
    expect(tracingWanted({}, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })).toBe(true);
    expect(tracingWanted({}, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces' })).toBe(true);
    expect(tracingWanted({}, { OTEL_TRACES_EXPORTER: 'otlp' })).toBe(true);
  });

  it('follows tracing.enabled over the environment', () => {
    expect(tracingWanted({ enabled: true }, {})).toBe(true);
    expect(tracingWanted({ enabled: false }, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })).toBe(false);
  });

  it('is off when the SDK is disabled or no shipped exporter is asked for, whatever the config says', () => {
    expect(tracingWanted({ enabled: true }, { OTEL_SDK_DISABLED: 'true' })).toBe(false);
    expect(tracingWanted({ enabled: true }, { OTEL_TRACES_EXPORTER: 'none' })).toBe(false);
    expect(tracingWanted({}, { OTEL_TRACES_EXPORTER: 'console', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x' })).toBe(false);
  });
});

describe('startTracing and the active context', () => {
  // A span that is never recorded or exported: only which context is active matters here.
  const span = (): Span => trace.wrapSpanContext({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1 });
  /** The span active after an await inside `context.with` (what a handler sees across its own I/O). */
  const activeAcrossAwait = (s: Span) =>
    context.with(trace.setSpan(ROOT_CONTEXT, s), async () => {
      await new Promise((r) => setImmediate(r));
      return trace.getActiveSpan();
    });
  const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' };

  afterEach(() => {
    context.disable();
    trace.disable();
  });

  it('makes the request span the active one across awaits, and lets go on shutdown', async () => {
    const s = span();
    expect(await activeAcrossAwait(s)).toBeUndefined();
    const handle = await startTracing({}, env);
    expect(await activeAcrossAwait(s)).toBe(s);
    await handle!.shutdown();
    expect(await activeAcrossAwait(s)).toBeUndefined();
  });

  it('registers no context manager with activeContext: false (the CLI gateway)', async () => {
    const handle = await startTracing({ activeContext: false }, env);
    expect(await activeAcrossAwait(span())).toBeUndefined();
    await handle!.shutdown();
  });

  it("keeps the application's own context manager", async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const handle = await startTracing({}, env);
    await handle!.shutdown();
    const s = span();
    expect(await activeAcrossAwait(s)).toBe(s);
  });
});
