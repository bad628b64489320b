// The logging:, metrics: and tracing: sections of the gateway file: defaults, accepted values, and errors that
// name the path and the fix.
import { describe, expect, it } from 'vitest';
import { ConfigInvalidError, observability, parseConfig } from '../../src/gateway/config/index.js';

const parse = (text: string) => parseConfig(text, { format: 'yaml', env: {} });
function issues(text: string): string {
  try {
    parse(text);
  } catch (err) {
    if (err instanceof ConfigInvalidError) return err.message;
    throw err;
  }
  throw new Error('expected the config to be rejected');
}

describe('observability config', () => {
  it('defaults: metrics on at /metrics, request lines at debug, tracing as the environment says', () => {
    const o = observability(parse('servers: {}\n'));
    expect(o.metrics).toEqual({ enabled: true, path: '/metrics', principalLabel: false, maxTargets: 200 });
    expect(o.logging).toMatchObject({ format: 'auto', requests: 'debug', arguments: false, redact: [] });
    expect(o.tracing).toEqual({ serviceName: 'mcplex-gateway' });
  });

  it('reads every field', () => {
    const c = parse(
      [
        'logging: { level: debug, format: json, modules: { requests: info, upstream: warn }, requests: info, arguments: true, redact: [args.ssn, "args.*.card"] }',
        'metrics: { path: /prom, listen: { host: 10.0.0.5, port: "9464" }, principalLabel: true, maxTargets: 50 }',
        'tracing: { enabled: true, serviceName: edge-gw }',
        'servers: {}',
      ].join('\n'),
    );
    expect(c.logging).toEqual({ level: 'debug', format: 'json', modules: { requests: 'info', upstream: 'warn' }, requests: 'info', arguments: true, redact: ['args.ssn', 'args.*.card'] });
    expect(c.metrics).toEqual({ enabled: true, path: '/prom', listen: { host: '10.0.0.5', port: 9464 }, principalLabel: true, maxTargets: 50 });
    expect(c.tracing).toEqual({ enabled: true, serviceName: 'edge-gw' });
  });

  it('names the path and the fix for bad values and unknown keys', () => {
    const text = issues(['logging: { level: loud, format: xml }', 'metrics: { path: metrics, listen: { port: 99999 }, colour: red }', 'tracing: { sampler: always }', 'servers: {}'].join('\n'));
    expect(text).toContain('logging.level: expected a log level: trace, debug, info, warn, error, fatal, silent');
    expect(text).toContain('logging.format: expected auto, json or pretty');
    expect(text).toContain("metrics.path: must start with '/' (e.g. /metrics)");
    expect(text).toContain('metrics.listen.port: expected an integer 0-65535');
    expect(text).toMatch(/metrics\.colour: unknown key/);
    expect(text).toMatch(/tracing\.sampler: unknown key/);
  });
});
