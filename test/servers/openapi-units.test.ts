// The OpenAPI server's pure parts: which addresses count as internal, URL allow-list matching, and how operations
// become tool names and schemas (fallback names, duplicates, recursive schemas, nullable).
import { describe, expect, it } from 'vitest';
import { isAllowedUrl, isInternalAddress } from '../../src/servers/openapi/egress.js';
import { operationsOf } from '../../src/servers/openapi/operations.js';

describe('egress', () => {
  it.each([
    ['127.0.0.1', true],
    ['10.1.2.3', true],
    ['172.20.0.1', true],
    ['192.168.1.1', true],
    ['169.254.169.254', true],
    ['100.64.0.1', true],
    ['0.0.0.0', true],
    ['::1', true],
    ['fe80::1', true],
    ['fd00::1', true],
    ['::ffff:127.0.0.1', true],
    ['8.8.8.8', false],
    ['2606:4700::1111', false],
    ['::ffff:8.8.8.8', false],
  ])('%s internal: %s', (address, internal) => {
    expect(isInternalAddress(address)).toBe(internal);
  });

  it('matches allowed prefixes by origin and path segment', () => {
    const allowed = ['https://api.example.com/v1'];
    expect(isAllowedUrl(new URL('https://api.example.com/v1/pets'), allowed)).toBe(true);
    expect(isAllowedUrl(new URL('https://api.example.com/v1'), allowed)).toBe(true);
    expect(isAllowedUrl(new URL('https://api.example.com/v10/pets'), allowed)).toBe(false);
    expect(isAllowedUrl(new URL('https://api.example.com/v1/../admin'), allowed)).toBe(false);
    expect(isAllowedUrl(new URL('https://api.example.com.evil.net/v1/pets'), allowed)).toBe(false);
    expect(isAllowedUrl(new URL('http://api.example.com/v1/pets'), allowed)).toBe(false);
  });
});

describe('operations', () => {
  const node: Record<string, unknown> = { type: 'object', properties: { name: { type: 'string', nullable: true } } };
  (node.properties as Record<string, unknown>).child = node; // a recursive schema, as dereferencing produces
  const doc = {
    openapi: '3.0.3',
    paths: {
      '/things/{id}': {
        parameters: [{ name: 'id', in: 'path', schema: { type: 'integer' } }],
        get: { operationId: 'get thing!', parameters: [{ name: 'id', in: 'query', schema: { type: 'string' } }], responses: { 200: { content: { 'application/json': { schema: node } } } } },
        delete: { responses: { 204: {} } },
      },
      '/other': { get: { operationId: 'get thing!', responses: {} } },
    },
  };

  it('names tools safely and uniquely, and keeps parameters apart', () => {
    const ops = operationsOf(doc);
    expect(ops.map((o) => o.tool)).toEqual(['get_thing', 'delete_things_id', 'get_thing_2']);
    expect(ops[0]!.params).toEqual([
      { arg: 'id', name: 'id', in: 'path' },
      { arg: 'query_id', name: 'id', in: 'query' },
    ]);
    expect(ops[0]!.inputSchema).toMatchObject({ required: ['id'] });
    expect(ops[1]!.annotations).toMatchObject({ destructiveHint: true, idempotentHint: true, readOnlyHint: false });
  });

  it('turns recursive and nullable schemas into finite JSON Schema', () => {
    const out = operationsOf(doc)[0]!.outputSchema!;
    expect(() => JSON.stringify(out)).not.toThrow();
    expect(out).toMatchObject({ properties: { body: { properties: { name: { type: ['string', 'null'] }, child: {} } } } });
  });
});
