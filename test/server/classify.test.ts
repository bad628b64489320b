// The era of an HTTP POST: our shortcut for plain 2025-era requests must agree with the SDK's classifier on
// every shape, including the ones it hands over to the SDK (envelopes, 2026 headers, initialize, odd bodies).
import type { IncomingMessage } from 'node:http';
import { classifyInboundRequest, PROTOCOL_VERSION_META_KEY } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { classifyHttpPost } from '../../src/server/http/classify.js';

const isLegacyHttpRequest = (req: IncomingMessage, body: unknown) => {
  const c = classifyHttpPost(req, body);
  return c === 'legacy' || c.kind === 'legacy';
};

const envelope = { [PROTOCOL_VERSION_META_KEY]: '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };
const call = (params: Record<string, unknown> = { name: 'echo', arguments: {} }) => ({ jsonrpc: '2.0', id: 7, method: 'tools/call', params });

const BODIES: Array<[string, unknown]> = [
  ['plain call', call()],
  ['call with a string id and progress token', { ...call({ name: 'x', _meta: { progressToken: 1 } }), id: 'a' }],
  ['call with a 2026 envelope', call({ name: 'echo', _meta: envelope })],
  ['call with a malformed envelope', call({ name: 'echo', _meta: { [PROTOCOL_VERSION_META_KEY]: 5 } })],
  ['initialize', { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'c', version: '1' } } }],
  ['notification', { jsonrpc: '2.0', method: 'notifications/initialized' }],
  ['response', { jsonrpc: '2.0', id: 3, result: {} }],
  ['batch', [call(), call()]],
  ['not JSON-RPC', { hello: 'world' }],
  ['wrong jsonrpc version', { ...call(), jsonrpc: '1.0' }],
  ['params not an object', { ...call(), params: [1] }],
];
const HEADERS: Array<Record<string, string>> = [
  {},
  { 'mcp-protocol-version': '2025-11-25' },
  { 'mcp-protocol-version': ' 2025-06-18 ' },
  { 'mcp-protocol-version': '2026-07-28' },
  { 'mcp-protocol-version': ' 2026-07-28' },
  { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'echo' },
  { 'mcp-protocol-version': '1999-01-01' },
];

describe('classifyHttpPost', () => {
  for (const [what, body] of BODIES) {
    it(`agrees with the SDK classifier: ${what}`, () => {
      for (const headers of HEADERS) {
        const sdk = classifyInboundRequest({
          httpMethod: 'POST',
          protocolVersionHeader: headers['mcp-protocol-version'],
          mcpMethodHeader: headers['mcp-method'],
          mcpNameHeader: headers['mcp-name'],
          body,
        });
        expect({ headers, legacy: isLegacyHttpRequest({ headers } as unknown as IncomingMessage, body) }).toEqual({ headers, legacy: sdk.kind === 'legacy' });
      }
    });
  }

  it('calls a plain 2025-era tools/call legacy and an enveloped one not', () => {
    expect(isLegacyHttpRequest({ headers: { 'mcp-protocol-version': '2025-11-25' } } as unknown as IncomingMessage, call())).toBe(true);
    expect(isLegacyHttpRequest({ headers: { 'mcp-protocol-version': '2026-07-28' } } as unknown as IncomingMessage, call({ name: 'echo', _meta: envelope }))).toBe(false);
  });
});
