// The `policy:` section of the gateway file: a full example parses into the shape the pipeline uses, and each
// mistake is reported at its path with what to write instead.
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} in plain strings is the config syntax under test
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/gateway/config/index.js';
import { rejection } from '../helpers/config.js';

const parse = (policy: string, env: NodeJS.ProcessEnv = {}) => parseConfig(`servers: {}\npolicy:\n${policy}`, { format: 'yaml', env, source: 'mcplex.yaml' });
const issues = (policy: string, env: NodeJS.ProcessEnv = {}): string[] => rejection(() => parse(policy, env));

describe('policy config', () => {
  it('parses a full section with defaults filled in', () => {
    const config = parse(
      [
        '  store: { kind: redis, url: "${REDIS_URL}" }',
        '  access:',
        '    roles:',
        '      reader:',
        "        - resource: ['tool:github__get_*', 'server:docs']",
        '          actions: call',
        '          constraints:',
        '            validUntil: 2030-01-01T00:00:00Z',
        "            arguments: { path: { glob: '/srv/**' }, limit: { max: 100 } }",
        '            maxCalls: { limit: 10, windowMs: 60000 }',
        '    principals: { alice: { roles: reader } }',
        "    everyone: [{ resource: 'prompt:*', actions: [get] }]",
        '  scopes: { servers: { github: [repo] }, tools: { github__create_issue: repo:write } }',
        '  tenants: { acme: { calls: { limit: 1000, windowMs: "3600000" }, concurrent: 10, upstreams: [github] } }',
        '  rateLimits: [{ per: [principal, tool], limit: 100, windowMs: 60000 }]',
      ].join('\n'),
      { REDIS_URL: 'redis://127.0.0.1:6379' },
    );
    expect(config.policy).toEqual({
      store: { kind: 'redis', url: 'redis://127.0.0.1:6379' },
      access: {
        roles: {
          reader: [
            {
              resource: ['tool:github__get_*', 'server:docs'],
              actions: ['call'],
              constraints: { validUntil: '2030-01-01T00:00:00Z', arguments: { path: { glob: ['/srv/**'] }, limit: { max: 100 } }, maxCalls: { limit: 10, windowMs: 60000 } },
            },
          ],
        },
        principals: { alice: { roles: ['reader'] } },
        everyone: [{ resource: 'prompt:*', actions: ['get'] }],
      },
      scopes: { servers: { github: ['repo'] }, tools: { github__create_issue: ['repo:write'] } },
      tenants: { acme: { calls: { limit: 1000, windowMs: 3600000 }, concurrent: 10, upstreams: ['github'] } },
      rateLimits: [{ per: ['principal', 'tool'], limit: 100, windowMs: 60000 }],
    });
  });

  it('defaults to the memory store and no access control', () => {
    expect(parse('  rateLimits: []').policy).toEqual({ store: { kind: 'memory' }, scopes: { servers: {}, tools: {} }, tenants: {}, rateLimits: [] });
  });

  it('reports each mistake at its path, with the fix', () => {
    expect(issues("  access: { everyone: [{ resource: 'github__*', actions: [call] }] }")).toEqual([
      "policy.access.everyone[0].resource: 'github__*' must start with tool:, resource:, prompt: or server: (or be '*' for everything); e.g. 'tool:github__*'",
    ]);
    expect(issues("  access: { everyone: [{ resource: 'tool:x', actions: [execute] }] }")).toEqual([
      'policy.access.everyone[0].actions[0]: expected one of call, read, get, list, complete, subscribe, *',
    ]);
    expect(issues('  store: { kind: redis }')).toEqual(['policy.store.url: kind redis needs url (e.g. url: ${REDIS_URL})']);
    expect(issues("  access: { everyone: [{ resource: '*', actions: ['*'], constraints: { validUntil: next-week } }] }")).toEqual([
      'policy.access.everyone[0].constraints.validUntil: not a date-time: write e.g. 2027-01-01T00:00:00Z',
    ]);
    expect(issues('  tenants: { acme: { concurrency: 3 } }')).toEqual([expect.stringMatching(/^policy\.tenants\.acme\.concurrency: unknown key.*concurrent/)]);
    expect(issues('  rateLimits: [{ per: [user], limit: 0, windowMs: 1000 }]')).toEqual([
      'policy.rateLimits[0].per[0]: expected principal, tenant, tool or client',
      'policy.rateLimits[0].limit: expected a positive integer',
    ]);
  });
});
