// The resilience keys of the gateway file: a full example parses to the expected config, and each mistake is
// reported at its own path with what to write instead.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/gateway/config/index.js';
import { rejection } from '../helpers/config.js';

const parse = (text: string) => parseConfig(text, { format: 'yaml', env: {}, source: 'mcplex.yaml' });
const issues = (text: string): string[] => rejection(() => parse(text));

describe('resilience config', () => {
  it('parses the gateway-wide section and the per-server keys', () => {
    const config = parse(`
resilience:
  retry: { retries: 3, baseDelayMs: 50, maxDelayMs: 1000, budgetRatio: 0.1 }
  breaker: { failures: 4, errorRate: 0.5, minRequests: 10, windowMs: 20000, openMs: 5000, whenOpen: hide }
  healthCheck: { intervalMs: 2000, failures: 2 }
  mode: read-only
  disabledTools: [github__delete_repo]
  fallbacks:
    weather__forecast: { lastGood: true, maxAgeMs: 600000 }
    status__check: { result: { content: [{ type: text, text: "status unknown" }] } }
  waitForRestartMs: 3000
servers:
  github:
    command: github-mcp
    required: true
    timeoutMs: 20000
    maxTimeoutMs: 120000
    toolTimeouts: { search_code: 5000 }
    retry: { retries: 1, tools: [get_*] }
    breaker: false
    healthCheck: false
    mode: normal
    disabledTools: delete_*
`);
    expect(config.resilience).toEqual({
      retry: { retries: 3, baseDelayMs: 50, maxDelayMs: 1000, budgetRatio: 0.1 },
      breaker: { failures: 4, errorRate: 0.5, minRequests: 10, windowMs: 20000, openMs: 5000, whenOpen: 'hide' },
      healthCheck: { intervalMs: 2000, failures: 2 },
      mode: 'read-only',
      disabledTools: ['github__delete_repo'],
      fallbacks: { weather__forecast: { lastGood: true, maxAgeMs: 600000 }, status__check: { result: { content: [{ type: 'text', text: 'status unknown' }] } } },
      waitForRestartMs: 3000,
    });
    expect(config.servers.github).toMatchObject({
      required: true,
      timeoutMs: 20000,
      maxTimeoutMs: 120000,
      toolTimeouts: { search_code: 5000 },
      retry: { retries: 1, tools: ['get_*'] },
      breaker: false,
      healthCheck: false,
      mode: 'normal',
      disabledTools: ['delete_*'],
    });
  });

  it('leaves a config without them as it was', () => {
    const config = parse('servers:\n  a: { command: x }\n');
    expect(config.resilience).toBeUndefined();
    expect(Object.keys(config.servers.a!)).not.toContain('required');
  });

  it('names the path and the fix for each mistake', () => {
    expect(
      issues(`
resilience:
  mode: readonly
  breaker: { failures: 0, whenOpen: vanish }
  retry: { retrys: 2 }
  fallbacks: { x__y: { stale: yes } }
servers:
  a:
    command: x
    required: maybe
    toolTimeouts: { t: -5 }
    healthCheck: true
`),
    ).toEqual([
      "resilience.retry.retrys: unknown key (did you mean 'retries'?)",
      'resilience.breaker.failures: expected a positive integer',
      'resilience.breaker.whenOpen: expected show, hide or mark',
      'resilience.mode: expected one of normal, read-only',
      'resilience.fallbacks.x__y: expected { result: <a tools/call result> } or { lastGood: true, maxAgeMs: <ms> }',
      'servers.a.required: expected true or false',
      'servers.a.toolTimeouts.t: expected a positive integer (milliseconds)',
      'servers.a.healthCheck: expected false (off) or a mapping',
    ]);
  });
});
