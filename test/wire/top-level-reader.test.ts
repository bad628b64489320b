// TopLevelReader: the top level of a JSON object fed in chunks split anywhere (inside strings, escapes and nested
// values), nested values read as null; it gives up (undefined) on what is not an object or whose top level is large.
import { describe, expect, it } from 'vitest';
import { TopLevelReader } from '../../src/wire/top-level-reader.js';

function read(text: string, size: number): Record<string, unknown> | undefined {
  const reader = new TopLevelReader();
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += size) reader.push(bytes.subarray(i, i + size));
  return reader.end();
}

describe('TopLevelReader', () => {
  const message = JSON.stringify({ result: { content: [{ type: 'text', text: 'a "}{" \\ ] [ €', id: 99 }], nested: { id: 98 } }, jsonrpc: '2.0', id: 7 });

  it('reads the top level whatever the chunking', () => {
    for (const size of [1, 2, 3, 7, 64, 10_000]) expect(read(message, size)).toEqual({ result: null, jsonrpc: '2.0', id: 7 });
    expect(read('{"jsonrpc":"2.0","id":"a\\"b","error":{"code":1}}', 5)).toEqual({ jsonrpc: '2.0', id: 'a"b', error: null });
  });

  it('gives up on what is not an object, or a top level past 4 KB', () => {
    expect(read('[1,2]', 2)).toBeUndefined();
    expect(read('{"id":1,"res', 3)).toBeUndefined();
    expect(read(JSON.stringify({ id: 1, text: 'x'.repeat(5000) }), 100)).toBeUndefined();
    expect(read(JSON.stringify({ id: 1, result: { text: 'x'.repeat(50_000) } }), 100)).toEqual({ id: 1, result: null });
  });
});
