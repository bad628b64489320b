// The structural JSON-RPC check accepts exactly the four message kinds and refuses everything else.
import { describe, expect, it } from 'vitest';
import { asJsonRpcMessage } from '../../src/wire/json-rpc-shape.js';

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
