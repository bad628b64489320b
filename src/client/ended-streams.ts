// A Streamable HTTP upstream that ends a request's SSE response stream without answering it, and without a way to
// resume it (no event ids; or resuming failed): the SDK leaves that request pending until its timeout, so the caller
// waits a minute for a server that is done talking. This also covers a stream whose answer could not be read (not
// JSON, not JSON-RPC). The transport's per-request `onRequestStreamEnd` (a public send option) says when a stream is
// over for good; a request still unanswered then is answered here, with an error naming the server, at once.
import { isJSONRPCRequest, type JSONRPCMessage, StreamableHTTPClientTransport, type Transport } from '@modelcontextprotocol/client';
import { ErrorCode } from '../core/index.js';

type Id = string | number;

const isStreamableHttp = (transport: Transport): boolean => transport instanceof StreamableHTTPClientTransport;

/** Installs the check on a connected transport (last, so it sees each answer before the other wrappers). */
export function answerEndedStreams(transport: Transport, server: string): void {
  const deliver = transport.onmessage;
  if (!isStreamableHttp(transport) || !deliver) return;
  const unanswered = new Set<Id>();
  transport.onmessage = (message, extra) => {
    if ('id' in message && !('method' in message)) unanswered.delete(message.id as Id);
    deliver.call(transport, message, extra);
  };
  const send = transport.send.bind(transport);
  transport.send = (message, options) => {
    if (!isJSONRPCRequest(message)) return send(message, options);
    const id = message.id;
    unanswered.add(id);
    // A request cancelled or timed out is torn down on purpose (no stream end is reported): not ours to answer.
    options?.requestSignal?.addEventListener('abort', () => unanswered.delete(id), { once: true });
    const ended = () => {
      options?.onRequestStreamEnd?.();
      if (!unanswered.delete(id)) return;
      const error = { code: ErrorCode.UpstreamUnavailable, message: `Server '${server}' ended its response stream without answering; the request may or may not have run` };
      transport.onmessage?.({ jsonrpc: '2.0', id, error } as JSONRPCMessage);
    };
    return send(message, { ...options, onRequestStreamEnd: ended }).catch((err: unknown) => {
      unanswered.delete(id);
      throw err;
    });
  };
}
