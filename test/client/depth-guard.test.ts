// The depth checks on their own: the parsed-value measure stops at the limit, and the shallow reading of a too-deep
// text finds its id and method whatever brackets and escapes its strings hold.
import { describe, expect, it } from 'vitest';
import { DepthGuard, nestsDeeperThan, shallowParse } from '../../src/client/depth-guard.js';
import { capturingLogger } from './helpers.js';

const nested = (depth: number) => JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`) as unknown;

describe('nestsDeeperThan', () => {
  it('counts objects and arrays, not scalars, and is exact at the limit', () => {
    expect(nestsDeeperThan('x', 0)).toBe(false);
    expect(nestsDeeperThan({ a: [1, { b: 'c' }] }, 3)).toBe(false);
    expect(nestsDeeperThan({ a: [1, { b: {} }] }, 3)).toBe(true);
    expect(nestsDeeperThan(nested(128), 128)).toBe(false);
    expect(nestsDeeperThan(nested(129), 128)).toBe(true);
    expect(nestsDeeperThan({ wide: Array.from({ length: 1000 }, () => ({ x: [1] })), deep: nested(5000) }, 128)).toBe(true);
  });
});

describe('shallowParse', () => {
  it('keeps top-level members and reads nested values as null, whatever the strings contain', () => {
    const text = `{"jsonrpc":"2.0","id":"a[\\"{b","method":"x]}","params":{"s":"]]]}}}","v":${'['.repeat(3000)}${']'.repeat(3000)}}}`;
    expect(shallowParse(text)).toEqual({ jsonrpc: '2.0', id: 'a["{b', method: 'x]}', params: null });
  });

  it('gives undefined for what is not a JSON object', () => {
    expect(shallowParse('[{"id":1}]')).toBeUndefined();
    expect(shallowParse('{"id":1,')).toBeUndefined();
    expect(shallowParse('not json')).toBeUndefined();
  });
});

describe('DepthGuard.screen', () => {
  it('passes lines within the limit and answers for the rest by kind', () => {
    const log = capturingLogger();
    const guard = new DepthGuard('up', log, 4);
    expect(guard.screen('{"jsonrpc":"2.0","id":1,"result":{"a":[[1]]}}')).toBeUndefined();
    expect(guard.screen('{"jsonrpc":"2.0","id":1,"result":{"a":[[[1]]]}}')).toEqual({
      deliver: { jsonrpc: '2.0', id: 1, error: { code: -32603, message: "Server 'up' sent a response nested deeper than 4 levels; it was discarded" } },
    });
    expect(guard.screen('{"jsonrpc":"2.0","id":"r","method":"roots/list","params":{"a":[[[1]]]}}')).toEqual({
      reply: { jsonrpc: '2.0', id: 'r', error: { code: -32600, message: 'Request refused: JSON nested too deeply (the limit is 4 levels)' } },
    });
    expect(guard.screen('{"jsonrpc":"2.0","method":"notifications/message","params":{"a":[[[1]]]}}')).toEqual({});
    expect(log.entries.filter((e) => e.level === 'error').map((e) => (e.obj as { kind: string }).kind)).toEqual(['response', 'request', 'notification']);
  });
});
