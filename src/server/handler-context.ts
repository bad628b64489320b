// Builds the context a user's handler receives from the pipeline context and the SDK's request context
// (asking the client for input goes through `ClientInput`, one per era: elicitation.ts).
import type { LoggingLevel, ServerContext } from '@modelcontextprotocol/server';
import { type CallContext, DEADLINE } from '../core/index.js';
import type { HandlerContext } from './definitions.js';
import type { ClientInput } from './elicitation.js';

export function handlerContext(call: CallContext, sctx: ServerContext, input: ClientInput): HandlerContext {
  const progressToken = call.meta.progressToken;
  // A timeout stage's deadline cancels the handler too, and the handler's progress extends it.
  const deadline = call.state.get(DEADLINE);
  return {
    principal: call.principal,
    // The deadline's signal also follows the request's own (core/deadline.ts).
    signal: deadline ? deadline.signal : call.signal,
    meta: call.meta,
    era: call.era,
    call,
    async progress(done: number, total?: number, message?: string) {
      deadline?.extend();
      if (progressToken === undefined) return;
      await sctx.mcpReq.notify({
        method: 'notifications/progress',
        params: { progressToken, progress: done, ...(total !== undefined && { total }), ...(message !== undefined && { message }) },
      });
    },
    log(level: LoggingLevel, data: unknown) {
      return sctx.mcpReq.log(level, data);
    },
    elicit: ((message: string, schema: Parameters<ClientInput['elicit']>[1]) => input.elicit(message, schema)) as HandlerContext['elicit'],
    sample: (params) => input.sample(params),
    roots: () => input.roots(),
    input: (asks) => input.input(asks),
    get clientCapabilities() {
      return input.clientCapabilities;
    },
  };
}
