// Builds the context a user's handler receives from the pipeline context and the SDK's request context.
import type { LoggingLevel, ServerContext } from '@modelcontextprotocol/server';
import type { CallContext } from '../core/index.js';
import type { HandlerContext } from './definitions.js';
import type { ClientInput } from './elicitation.js';

export function handlerContext(call: CallContext, sctx: ServerContext, input: ClientInput): HandlerContext {
  const progressToken = call.meta.progressToken;
  return {
    principal: call.principal,
    signal: call.signal,
    meta: call.meta,
    era: call.era,
    call,
    async progress(done: number, total?: number, message?: string) {
      if (progressToken === undefined) return;
      await sctx.mcpReq.notify({
        method: 'notifications/progress',
        params: { progressToken, progress: done, ...(total !== undefined && { total }), ...(message !== undefined && { message }) },
      });
    },
    log(level: LoggingLevel, data: unknown) {
      return sctx.mcpReq.log(level, data);
    },
    elicit: input.elicit as HandlerContext['elicit'],
    sample: input.sample,
  };
}
