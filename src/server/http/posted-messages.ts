// The messages of one 2025-era POST sorted as a session takes them: notifications and answers delivered; each new
// request delivered unless its id is already in flight (in this POST or an earlier one), or the POST's requests would
// pass the session's cap (then all of them are refused).
import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/server';
import { ErrorCode } from '../../core/index.js';
import { isRequestShape } from '../../wire/json-rpc-shape.js';

export type Answer = JSONRPCMessage & { id: RequestId };
export const rpcError = (id: RequestId, code: number, message: string): Answer => ({ jsonrpc: '2.0', id, error: { code, message } }) as Answer;

export interface PostedMessages {
  /** What goes to the server, in the order it came. */
  deliver: JSONRPCMessage[];
  /** The requests among them, now in flight. */
  fresh: Set<RequestId>;
  /** Error answers for the requests refused. */
  refused: Answer[];
  /** The requests the client cancelled in this POST (`notifications/cancelled`). */
  cancelled: RequestId[];
}

export function sortPosted(messages: JSONRPCMessage[], inFlight: ReadonlyMap<RequestId, unknown> | ReadonlySet<RequestId>, maxInflight: number): PostedMessages {
  const fresh = new Set<RequestId>();
  const refused: Answer[] = [];
  const cancelled: RequestId[] = [];
  let deliver: JSONRPCMessage[] = [];
  for (const m of messages) {
    if (!isRequestShape(m)) {
      deliver.push(m);
      if ((m as { method?: string }).method === 'notifications/cancelled') {
        const id = (m as { params?: { requestId?: RequestId } }).params?.requestId;
        if (id !== undefined) cancelled.push(id);
      }
    } else if (fresh.has(m.id) || inFlight.has(m.id)) {
      refused.push(rpcError(m.id, ErrorCode.InvalidRequest, `Invalid Request: duplicate request id ${JSON.stringify(m.id)}: a request with this id is already in flight`));
    } else {
      fresh.add(m.id);
      deliver.push(m);
    }
  }
  if (fresh.size > 0 && inFlight.size + fresh.size > maxInflight) {
    const message = `Too many requests in flight on this session: the limit is ${maxInflight}; wait for answers before sending more`;
    for (const id of fresh) refused.push(rpcError(id, ErrorCode.ServerError, message));
    fresh.clear();
    deliver = deliver.filter((m) => !isRequestShape(m));
  }
  return { deliver, fresh, refused, cancelled };
}
