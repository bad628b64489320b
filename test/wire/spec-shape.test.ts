// The check of a handler's result against the protocol's result types (src/wire/spec-shape.ts): it agrees with
// the SDK's own schemas (what they take, it takes) and names each problem by its path, briefly.
import { specTypeSchemas } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { type CheckedType, shortly, specProblem } from '../../src/wire/spec-shape.js';

const cases: Array<[CheckedType, unknown, string | undefined]> = [
  ['CallToolResult', { content: [{ type: 'text', text: 'ok' }] }, undefined],
  ['CallToolResult', { content: [{ type: 'text', text: 'ok' }], structuredContent: { a: 1 }, isError: false, _meta: { x: 1 } }, undefined],
  ['CallToolResult', { content: [{ type: 'text' }] }, 'content[0].text: expected string, received undefined'],
  ['CallToolResult', { content: [{ type: 'picture' }] }, 'content[0].type: expected one of "text", "image", "audio", "resource_link", "resource"'],
  ['CallToolResult', { content: 'hello' }, 'content: expected array, received string'],
  ['CallToolResult', { content: [], isError: 'yes' }, 'isError: expected boolean, received string'],
  ['CallToolResult', { content: [{ type: 'resource', resource: { uri: 'a://b' } }] }, 'content[0].resource: needs text or blob'],
  ['CallToolResult', { content: [1, 2, 3, 4, 5] }, 'content[0]: expected object, received number; content[1]: expected object, received number; content[2]: expected object, received number; and 2 more'],
  ['ReadResourceResult', { contents: [{ uri: 'note://a', text: 'x' }] }, undefined],
  ['ReadResourceResult', { contents: [{ uri: 'note://a' }] }, 'contents[0]: needs text or blob'],
  ['ReadResourceResult', { contents: [{ text: 'x' }] }, 'contents[0].uri: expected string, received undefined'],
  ['ReadResourceResult', 'plain', 'expected object, received string'],
  ['GetPromptResult', { messages: [{ role: 'user', content: { type: 'text', text: 'x' } }] }, undefined],
  ['GetPromptResult', { messages: [{ role: 'user', content: 'x' }] }, 'messages[0].content: expected object, received string'],
];

describe('specProblem', () => {
  it.each(cases)('%s %j', (type, value, problem) => {
    expect(specProblem(type, value)).toBe(problem);
    // Whatever it takes, the SDK's schema takes, and the other way round.
    const sdk = specTypeSchemas[type]['~standard'].validate(value) as { issues?: unknown };
    expect(specProblem(type, value) === undefined).toBe(sdk.issues === undefined);
  });

  it('shows a value briefly', () => {
    expect([shortly(undefined), shortly(42), shortly('x'.repeat(100))]).toEqual(['undefined', '42', `"${'x'.repeat(56)}...`]);
  });
});
