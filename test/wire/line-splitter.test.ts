// Stdout framing: lines joined across chunks (even mid-UTF-8), and an overlong line skipped up to its
// newline without losing the lines around it.
import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../../src/wire/line-splitter.js';

describe('LineSplitter', () => {
  const split = (max: number) => {
    const lines: string[] = [];
    let overflows = 0;
    const s = new LineSplitter(max, (l) => lines.push(l.toString('utf8')), () => overflows++);
    return { s, lines, overflows: () => overflows };
  };

  it('joins lines across chunks, including a UTF-8 character split between chunks', () => {
    const { s, lines } = split(100);
    const euro = Buffer.from('€'); // 3 bytes
    s.push(Buffer.from('ab'));
    s.push(Buffer.concat([Buffer.from('c\nx'), euro.subarray(0, 1)]));
    s.push(Buffer.concat([euro.subarray(1), Buffer.from('y\n\nz')]));
    expect(lines).toEqual(['abc', 'x€y', '']);
    s.flush();
    expect(lines).toEqual(['abc', 'x€y', '', 'z']);
  });

  it('skips an overlong line up to its newline and resynchronises', () => {
    const { s, lines, overflows } = split(8);
    s.push(Buffer.from('ok\n0123456'));
    s.push(Buffer.from('789abcdef'));
    s.push(Buffer.from('ghij\nfine\n'));
    s.push(Buffer.from('0123456789\nlast\n'));
    expect(lines).toEqual(['ok', 'fine', 'last']);
    expect(overflows()).toBe(2);
  });

  it('hands every byte of an overlong line to onOverlong, ending with its last part', () => {
    const lines: string[] = [];
    const parts: Array<[string, boolean]> = [];
    const s = new LineSplitter(8, (l) => lines.push(l.toString()), () => {}, (part, end) => parts.push([part.toString(), end]));
    s.push(Buffer.from('ok\n0123'));
    s.push(Buffer.from('456789'));
    s.push(Buffer.from('ab'));
    s.push(Buffer.from('cd\nfine\n0123456789\nlast\n'));
    expect(lines).toEqual(['ok', 'fine', 'last']);
    expect(parts.map(([p]) => p).join('')).toBe('0123456789abcd0123456789');
    expect(parts.filter(([, end]) => end).map(([p]) => p)).toEqual(['cd', '0123456789']);
  });
});
