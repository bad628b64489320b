// When the OpenTelemetry SDK starts: the config decides, else the standard OTEL_* variables; disabling wins.
import { describe, expect, it } from 'vitest';
import { tracingWanted } from '../../src/server/tracing-sdk.js';

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
