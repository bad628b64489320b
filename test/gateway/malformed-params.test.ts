// Malformed params on the gateway's passthrough path get -32602 naming the field, and nothing at error level in
// the log (no internal error, no stack): the SDK does not validate them there, so the gateway must.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ErrorCode } from '../../src/core/index.js';
import { openSession, post, rpcMessage } from '../helpers/http.js';
import { capturingLogger } from '../helpers/logger.js';
import { everything, type RunningGateway, startGateway } from './helpers/harness.js';

const log = capturingLogger();
let gw: RunningGateway;
let session: Record<string, string>;
beforeAll(async () => {
  gw = await startGateway([everything()], { logger: log });
  session = await openSession(gw.url);
}, 60_000);
afterAll(async () => {
  await gw?.close();
}, 30_000);

const CASES: Array<[string, string, Record<string, unknown>, RegExp]> = [
  ['completion without ref', 'completion/complete', { argument: { name: 'x', value: '' } }, /ref must be an object/],
  ['completion with an unknown ref type', 'completion/complete', { ref: { type: 'ref/tool', name: 'x' }, argument: { name: 'x', value: '' } }, /ref.type must be/],
  ['completion without argument', 'completion/complete', { ref: { type: 'ref/prompt', name: 'ev__simple-prompt' } }, /argument must be an object/],
  ['an object where a tool name belongs', 'tools/call', { name: { evil: true }, arguments: {} }, /name must be a string/],
  ['arguments that are not an object', 'tools/call', { name: 'ev__echo', arguments: 'hi' }, /arguments must be an object/],
  ['an object where a prompt name belongs', 'prompts/get', { name: ['x'] }, /name must be a string/],
  ['a number where a URI belongs', 'resources/read', { uri: 42 }, /uri must be a string/],
  ['a cursor that is not a string', 'tools/list', { cursor: {} }, /cursor must be a string/],
  ['an unknown log level', 'logging/setLevel', { level: 'loud' }, /level/],
];

it.each(CASES)('%s: -32602 naming the field', async (_what, method, params, message) => {
  const before = log.entries.length;
  const reply = rpcMessage(await post(gw.url, { jsonrpc: '2.0', id: 5, method, params }, session));
  expect(reply.error?.code).toBe(ErrorCode.InvalidParams);
  expect(reply.error?.message).toMatch(message);
  expect(log.entries.slice(before).filter((e) => e.level === 'error')).toEqual([]);
  // The session still serves.
  const ok = rpcMessage(await post(gw.url, { jsonrpc: '2.0', id: 6, method: 'tools/list', params: {} }, session));
  expect(ok.result?.tools).toBeDefined();
});
