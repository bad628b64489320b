// The structural JSON-RPC checks: the lenient one accepts exactly the four message kinds; the strict one a server
// runs on what clients send agrees with the SDK's schemas (what those refuse, the SDK's reader drops unanswered).
import { describe, expect, it } from 'vitest';
import { isJSONRPCErrorResponse, isJSONRPCNotification, isJSONRPCRequest, isJSONRPCResultResponse } from '@modelcontextprotocol/server';
import { asJsonRpcMessage, jsonRpcProblem, malformedAnswer, refusalId } from '../../src/wire/json-rpc-shape.js';

describe('asJsonRpcMessage', () => {
  it.each([
    ['request', { jsonrpc: '2.0', id: 1, method: 'tools/list' }],
    ['request with string id and params', { jsonrpc: '2.0', id: 'a', method: 'x', params: { a: 1 } }],
    ['notification', { jsonrpc: '2.0', method: 'notifications/initialized' }],
    ['result', { jsonrpc: '2.0', id: 2, result: {} }],
    ['error', { jsonrpc: '2.0', id: 3, error: { code: -32601, message: 'no' } }],
    ['error with null id', { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'parse' } }],
  ])('accepts a %s', (_kind, value) => {
    expect(asJsonRpcMessage(value)).toBe(value);
  });

  it.each([
    ['an array', [{ jsonrpc: '2.0', id: 1, method: 'x' }]],
    ['null', null],
    ['a wrong version', { jsonrpc: '1.0', id: 1, method: 'x' }],
    ['a non-string method', { jsonrpc: '2.0', id: 1, method: 5 }],
    ['array params', { jsonrpc: '2.0', id: 1, method: 'x', params: [1] }],
    ['a null request id', { jsonrpc: '2.0', id: null, method: 'x' }],
    ['an object id', { jsonrpc: '2.0', id: {}, method: 'x' }],
    ['an id and nothing else', { jsonrpc: '2.0', id: 6 }],
    ['a result that is not an object', { jsonrpc: '2.0', id: 1, result: 3 }],
    ['an error without a numeric code', { jsonrpc: '2.0', id: 1, error: { code: 'x', message: 'm' } }],
  ])('refuses %s', (_kind, value) => {
    expect(asJsonRpcMessage(value)).toBeUndefined();
  });
});

describe('jsonRpcProblem (what a server must answer because the SDK would drop it)', () => {
  const RELATED = 'io.modelcontextprotocol/related-task';
  const sdkTakes = (v: unknown) => isJSONRPCRequest(v) || isJSONRPCNotification(v) || isJSONRPCResultResponse(v) || isJSONRPCErrorResponse(v);
  const ABSENT = Symbol('absent');
  const choices = {
    jsonrpc: ['2.0', '1.0', ABSENT],
    id: [1, 'a', -7, 1.5, 2 ** 53, null, {}, ABSENT],
    method: ['ping', 5, ABSENT],
    params: [ABSENT, {}, [], null, { a: 1 }, { _meta: {} }, { _meta: 'x' }, { _meta: [] }, { _meta: { progressToken: 't' } }, { _meta: { progressToken: 3 } }, { _meta: { progressToken: 1.5 } }, { _meta: { progressToken: {} } }, { _meta: { [RELATED]: { taskId: 't' } } }, { _meta: { [RELATED]: {} } }, { _meta: { [RELATED]: 'x' } }, { _meta: { other: [1] } }],
    result: [ABSENT, {}, [], 3, { _meta: {} }, { _meta: 'x' }, { x: 1 }],
    error: [ABSENT, { code: 1, message: 'm' }, { code: 1.5, message: 'm' }, { code: 'x', message: 'm' }, { code: 1 }, { code: -32600, message: 'm', data: [1] }],
    extra: [ABSENT, true],
  } as const;

  function* messages(): Generator<Record<string, unknown>> {
    const keys = Object.keys(choices) as Array<keyof typeof choices>;
    function* build(i: number, acc: Record<string, unknown>): Generator<Record<string, unknown>> {
      if (i === keys.length) return yield acc;
      for (const v of choices[keys[i]!]) yield* build(i + 1, v === ABSENT ? acc : { ...acc, [keys[i]!]: v });
    }
    yield* build(0, {});
  }

  it('agrees with the SDK schemas on every combination of members, ids, params, _meta, results and errors', () => {
    let checked = 0;
    let taken = 0;
    const disagreements: unknown[] = [];
    for (const m of messages()) {
      checked++;
      const ours = jsonRpcProblem(m) === undefined;
      if (ours) taken++;
      // The one deliberate difference: an error answer with a null id (a client that could not parse something) is
      // taken, as there is nothing to route it to and the SDK drops it harmlessly.
      const expected = sdkTakes(m) || (m.jsonrpc === '2.0' && m.id === null && 'error' in m && Object.keys(m).length === 3 && isJSONRPCErrorResponse({ ...m, id: 0 }));
      if (ours !== expected) disagreements.push(m);
    }
    expect(disagreements).toEqual([]);
    expect(checked).toBeGreaterThan(50_000);
    expect(taken).toBeGreaterThan(40);
  });

  it.each([
    ['a fractional id', { jsonrpc: '2.0', id: 1.5, method: 'ping' }, 'the id must be a string or an integer'],
    ['an extra member', { jsonrpc: '2.0', id: 1, method: 'ping', x: 1 }, 'unknown member "x" (a JSON-RPC request has only jsonrpc, id, method, params)'],
    ['a notification with an id-less extra', { jsonrpc: '2.0', method: 'n', x: 1 }, 'unknown member "x" (a JSON-RPC notification has only jsonrpc, method, params)'],
    ['a bad progress token', { jsonrpc: '2.0', id: 1, method: 'ping', params: { _meta: { progressToken: true } } }, 'params._meta.progressToken must be a string or an integer'],
    ['a result with a bad _meta', { jsonrpc: '2.0', id: 1, result: { _meta: 1 } }, 'result._meta must be an object'],
    ['an error with a fractional code', { jsonrpc: '2.0', id: 1, error: { code: 1.5, message: 'm' } }, 'error must be an object with an integer code and a string message'],
    ['nothing to dispatch', { jsonrpc: '2.0', id: 1 }, 'not a JSON-RPC 2.0 message: it has no method, result or error'],
  ])('says why: %s', (_label, value, why) => {
    expect(jsonRpcProblem(value)).toBe(why);
  });

  it.each([
    ['a request', { jsonrpc: '2.0', id: 4, method: 'x' }, 4],
    ['a request with a fractional id', { jsonrpc: '2.0', id: 1.5, method: 'x' }, 1.5],
    ['an id alone', { jsonrpc: '2.0', id: 6 }, 6],
    ['an answer (its id is the peer’s own request’s)', { jsonrpc: '2.0', id: 5, result: {}, x: 1 }, null],
    ['an error answer', { jsonrpc: '2.0', id: 5, error: 'x' }, null],
    ['an object id', { jsonrpc: '2.0', id: {}, method: 'x' }, null],
  ])('refuses %s with id %j', (_label, value, id) => {
    expect(refusalId(value)).toBe(id);
  });
});

describe('malformedAnswer (an answer the lenient check refuses, whose request must fail now)', () => {
  const reason = (value: unknown) => (malformedAnswer(value, "Server 'x'") as { error?: { message: string } } | undefined)?.error?.message;
  it('answers the id with -32603 naming what is wrong', () => {
    expect(malformedAnswer({ jsonrpc: '2.0', id: 7, result: 'hi' }, "Server 'x'")).toEqual({ jsonrpc: '2.0', id: 7, error: { code: -32603, message: "Server 'x' answered with a malformed response: its result must be an object" } });
    expect(reason({ jsonrpc: '2.0', id: 'a', result: null })).toMatch(/its result must be an object$/);
    expect(reason({ jsonrpc: '2.0', id: 'a', error: { message: 'x' } })).toMatch(/its error must be an object with a numeric code and a string message$/);
    expect(reason({ jsonrpc: '2.0', id: 'a' })).toMatch(/it has neither result nor error$/);
    expect(reason({ jsonrpc: '2.0', id: 'a', result: 1, error: 2 })).toMatch(/it has both result and error$/);
    expect(reason({ jsonrpc: '1.0', id: 'a', result: {} })).toMatch(/jsonrpc must be "2.0"$/);
  });
  it('leaves alone what is no answer with a readable id', () => {
    for (const value of [null, 'x', [], { jsonrpc: '2.0', method: 'ping', id: 1 }, { jsonrpc: '2.0', id: null, result: 'x' }, { jsonrpc: '2.0', id: { a: 1 }, result: {} }, { id: 1 }]) {
      expect(malformedAnswer(value, "Server 'x'"), JSON.stringify(value)).toBeUndefined();
    }
  });
});
