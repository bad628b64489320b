// Which era an HTTP POST belongs to. The SDK's `classifyInboundRequest` decides; the common 2025-era request
// (no envelope claim, no 2026 version header) is recognised first without its schema parses, and a test keeps
// the two in agreement.
import type { IncomingMessage } from 'node:http';
import { classifyInboundRequest, type InboundClassificationOutcome, PROTOCOL_VERSION_META_KEY } from '@modelcontextprotocol/server';
import { asJsonRpcMessage } from '../../wire/json-rpc-shape.js';
import { headerOf } from './request-info.js';

/** The first protocol revision of the stateless era; versions compare as ISO dates (the SDK's own rule). */
export const FIRST_MODERN_VERSION = '2026-07-28';

/** A single request the SDK would surely call legacy ('no-claim'): not initialize, no envelope, no 2026 header. */
function plainLegacyRequest(req: IncomingMessage, body: unknown): boolean {
  const m = asJsonRpcMessage(body) as { id?: unknown; method?: unknown; params?: { _meta?: unknown } } | undefined;
  if (!m || typeof m.method !== 'string' || m.id === undefined || m.method === 'initialize') return false;
  const version = headerOf(req, 'mcp-protocol-version')?.trim();
  if (version !== undefined && version >= FIRST_MODERN_VERSION) return false;
  const meta = m.params?._meta;
  return !(typeof meta === 'object' && meta !== null && !Array.isArray(meta) && PROTOCOL_VERSION_META_KEY in meta);
}

/** 'legacy' for a plain 2025-era request, otherwise the SDK's classification (which may say legacy too). */
export function classifyHttpPost(req: IncomingMessage, body: unknown): 'legacy' | InboundClassificationOutcome {
  if (plainLegacyRequest(req, body)) return 'legacy';
  return classifyInboundRequest({
    httpMethod: 'POST',
    protocolVersionHeader: headerOf(req, 'mcp-protocol-version'),
    mcpMethodHeader: headerOf(req, 'mcp-method'),
    mcpNameHeader: headerOf(req, 'mcp-name'),
    body,
  });
}
