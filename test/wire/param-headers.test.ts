// SEP-2243 header mirroring rules: which parameters a schema mirrors, how values are encoded and decoded, and
// when a request's headers disagree with its arguments.
import { describe, expect, it } from 'vitest';
import { decodeParamHeader, encodeParamHeader, paramHeaderMismatch, paramHeadersOf, paramHeaderValues } from '../../src/wire/param-headers.js';

const schema = {
  type: 'object',
  properties: {
    region: { type: 'string', 'x-mcp-header': 'Region' },
    limits: { type: 'object', properties: { max: { type: 'integer', 'x-mcp-header': 'Max' } } },
    flag: { type: 'boolean', 'x-mcp-header': 'Flag' },
    tags: { type: 'array', items: { type: 'string', 'x-mcp-header': 'Tag' } },
    either: { anyOf: [{ type: 'string', 'x-mcp-header': 'Either' }] },
    spaced: { type: 'string', 'x-mcp-header': 'Bad Name' },
    blob: { type: 'object', 'x-mcp-header': 'Blob' },
  },
};

describe('Mcp-Param header rules', () => {
  it("finds parameters reachable through properties only, with a token name and a primitive type, and caches per schema", () => {
    const found = paramHeadersOf(schema);
    expect(found.map((d) => [d.path.join('.'), d.name, d.numeric])).toEqual([
      ['region', 'Region', false],
      ['limits.max', 'Max', true],
      ['flag', 'Flag', false],
    ]);
    expect(paramHeadersOf(schema)).toBe(found);
    expect(paramHeadersOf({ type: 'object', properties: { a: { type: 'string' } } })).toHaveLength(0);
    expect(paramHeadersOf(undefined)).toHaveLength(0);
  });

  it('sends plain ASCII as is and anything else Base64-wrapped, and decodes both', () => {
    for (const plain of ['Oslo', 'a b', 'x=1;y']) expect(encodeParamHeader(plain)).toBe(plain);
    for (const odd of ['Zürich', ' padded', 'tail ', '', 'line\nbreak', '=?base64?abc?=']) {
      const sent = encodeParamHeader(odd);
      expect(sent).toMatch(/^=\?base64\?[A-Za-z0-9+/=]*\?=$/);
      expect(decodeParamHeader(sent)).toBe(odd);
    }
    expect(decodeParamHeader('=?base64?SGVsbG8?=')).toBeUndefined(); // no padding
    expect(decodeParamHeader('=?base64?SGVs!!!bG8=?=')).toBeUndefined();
    expect(decodeParamHeader('=?base64?/w==?=')).toBeUndefined(); // not UTF-8
    expect(decodeParamHeader('=?base64?SGVsbG8=')).toBe('=?base64?SGVsbG8='); // no suffix: a literal
  });

  it('builds the headers of a call, and finds where a request disagrees', () => {
    const declared = paramHeadersOf(schema);
    const args = { region: 'São Paulo', limits: { max: 5 }, flag: false };
    const headers = paramHeaderValues(declared, args);
    expect(headers).toEqual({ 'Mcp-Param-Region': encodeParamHeader('São Paulo'), 'Mcp-Param-Max': '5', 'Mcp-Param-Flag': 'false' });
    const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
    const get = (h: Record<string, string>) => (name: string) => h[name.toLowerCase()];
    expect(paramHeaderMismatch(declared, args, get(lower))).toBeUndefined();
    expect(paramHeaderMismatch(declared, args, get({ ...lower, 'mcp-param-max': '5.0' }))).toBeUndefined();
    expect(paramHeaderMismatch(declared, args, get({ ...lower, 'mcp-param-max': '6' }))?.header).toBe('Mcp-Param-Max');
    expect(paramHeaderMismatch(declared, args, get({ ...lower, 'mcp-param-flag': 'False' }))?.body).toMatch(/decodes to "False" but the body carries flag=false/);
    // Absent or null in the body: no header expected, one sent is ignored.
    expect(paramHeaderMismatch(declared, { region: null }, get({ 'mcp-param-region': 'x' }))).toBeUndefined();
    expect(paramHeaderValues(declared, { limits: 'not an object' })).toEqual({});
  });
});
