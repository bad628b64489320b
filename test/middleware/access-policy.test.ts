// The capability model on its own: pattern kinds, implied actions, roles from the principal and from config,
// validity windows against a given clock, and every kind of argument constraint.
import { describe, expect, it } from 'vitest';
import type { Principal } from '../../src/core/index.js';
import { compileArguments } from '../../src/middleware/access-constraints.js';
import { compilePolicy } from '../../src/middleware/access-policy.js';
import { type Asked, itemMatcher, patternProblem } from '../../src/middleware/policy-target.js';

const who = (id: string, roles: string[] = []): Principal => ({ id, kind: 'apiKey', scopes: [], roles, claims: {} });
const tool = (name: string, action: Asked['action'] = 'call'): Asked => ({ kind: 'tool', name, action });

describe('patterns', () => {
  it('match by kind, glob and owner', () => {
    const owner = (i: { name: string }) => (i.name.startsWith('gh__') ? 'github' : undefined);
    expect(itemMatcher('tool:gh__*')({ kind: 'tool', name: 'gh__issue' })).toBe(true);
    expect(itemMatcher('tool:gh__*')({ kind: 'prompt', name: 'gh__issue' })).toBe(false);
    expect(itemMatcher('resource:file:///srv/**')({ kind: 'resource', name: 'file:///srv/a/b' })).toBe(true);
    expect(itemMatcher('resource:file:///srv/**')({ kind: 'resource', name: 'file:///srv/../etc/passwd' })).toBe(false);
    expect(itemMatcher('server:github', owner)({ kind: 'tool', name: 'gh__issue' })).toBe(true);
    expect(itemMatcher('server:github', owner)({ kind: 'tool', name: 'other' })).toBe(false);
    expect(itemMatcher('server:github')({ kind: 'tool', name: 'gh__issue' })).toBe(false);
    expect(itemMatcher('*')({ kind: 'prompt', name: 'x' })).toBe(true);
  });
  it('reject a pattern without a kind', () => {
    expect(patternProblem('gh__*')).toMatch(/must start with tool:/);
    expect(patternProblem('tool:')).toMatch(/nothing after/);
    expect(() => itemMatcher('gh__*')).toThrow(/must start with tool:/);
  });
});

describe('grants', () => {
  const policy = compilePolicy({
    roles: { reader: [{ resource: 'tool:read_*', actions: ['call'] }], lister: [{ resource: 'tool:*', actions: ['list'] }] },
    principals: { carol: { roles: ['reader'] }, dave: { capabilities: [{ resource: 'tool:x', actions: ['call'], constraints: { notBefore: 1000, validUntil: 2000 } }] } },
    everyone: [{ resource: 'prompt:hello', actions: ['get'] }],
  });
  it('a primary action implies list, complete and subscribe; list alone does not allow a call', () => {
    const carol = who('carol');
    expect(policy.grants(carol, tool('read_file'), 0)).toHaveLength(1);
    expect(policy.grants(carol, tool('read_file', 'list'), 0)).toHaveLength(1);
    expect(policy.grants(carol, tool('write_file'), 0)).toHaveLength(0);
    const erin = who('erin', ['lister']);
    expect(policy.grants(erin, tool('anything', 'list'), 0)).toHaveLength(1);
    expect(policy.grants(erin, tool('anything'), 0)).toHaveLength(0);
  });
  it('roles come from the principal and from config; everyone applies to all', () => {
    expect(policy.grants(who('frank', ['reader']), tool('read_x'), 0)).toHaveLength(1);
    expect(policy.grants(who('frank'), tool('read_x'), 0)).toHaveLength(0);
    expect(policy.grants(who('anyone'), { kind: 'prompt', name: 'hello', action: 'complete' }, 0)).toHaveLength(1);
  });
  it('validity windows are half-open [notBefore, validUntil)', () => {
    const dave = who('dave');
    expect(policy.grants(dave, tool('x'), 999)).toHaveLength(0);
    expect(policy.grants(dave, tool('x'), 1000)).toHaveLength(1);
    expect(policy.grants(dave, tool('x'), 1999)).toHaveLength(1);
    expect(policy.grants(dave, tool('x'), 2000)).toHaveLength(0);
  });
});

describe('argument constraints', () => {
  const check = compileArguments({ path: { glob: ['/srv/**', '/tmp/*.txt'] }, limit: { min: 1, max: 100 }, mode: { oneOf: ['r', 'w'] }, id: { required: true } });
  it('pass when every rule holds', () => {
    expect(check({ path: '/srv/a/b', limit: 5, mode: 'r', id: 'x' })).toBeUndefined();
    expect(check({ path: '/tmp/a.txt', id: 'x' })).toBeUndefined();
  });
  it('name the first broken rule', () => {
    expect(check({ path: '/etc/passwd', id: 'x' })).toMatch(/'path' must match/);
    expect(check({ path: 42, id: 'x' })).toMatch(/'path' must match/);
    expect(check({ limit: 0, id: 'x' })).toBe("argument 'limit' must be at least 1");
    expect(check({ limit: '5', id: 'x' })).toBe("argument 'limit' must be a number");
    expect(check({ mode: 'x', id: 'x' })).toMatch(/'mode' must be one of/);
    expect(check({})).toBe("argument 'id' is required by your access policy");
  });
  it('never reads inherited properties as arguments', () => {
    expect(compileArguments({ constructor: { required: true } })({})).toMatch(/required/);
  });
});
