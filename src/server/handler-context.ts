// Builds the context a user's handler receives from the pipeline context and the SDK's request context
// (asking the client for input goes through `ClientInput`, one per era: elicitation.ts).
import type { LoggingLevel, ServerContext } from '@modelcontextprotocol/server';
import { type CallContext, DEADLINE, type Deadline } from '../core/index.js';
import type { HandlerContext } from './definitions.js';
import type { ClientInput } from './elicitation.js';

/** A handler whose work may outlive its request (a task): its own signal, and where progress goes once detached. */
export interface HandlerScope {
  readonly signal: AbortSignal;
  /** True once the work has left its request: progress and logs go to the task and the server log. */
  detached(): boolean;
  progress(message: string | undefined): void;
}

/**
 * A class with its functions as fields (so `const { progress } = ctx` still works) and `clientCapabilities` and
 * `signal` as prototype getters: a literal with a getter is a dictionary-mode object (see call-context.ts).
 */
class ToolHandlerContext implements HandlerContext {
  readonly principal: HandlerContext['principal'];
  readonly #deadline: Deadline | undefined;
  readonly meta: HandlerContext['meta'];
  readonly era: HandlerContext['era'];
  readonly call: CallContext;
  readonly progress: HandlerContext['progress'];
  readonly log: HandlerContext['log'];
  readonly elicit: HandlerContext['elicit'];
  readonly elicitUrl: HandlerContext['elicitUrl'];
  readonly sample: HandlerContext['sample'];
  readonly roots: HandlerContext['roots'];
  readonly input: HandlerContext['input'];
  readonly closeStream: HandlerContext['closeStream'];
  readonly #input: ClientInput;
  readonly #scope: HandlerScope | undefined;

  constructor(call: CallContext, sctx: ServerContext, input: ClientInput, scope?: HandlerScope) {
    const progressToken = call.meta.progressToken;
    // A timeout stage's deadline cancels the handler too, and the handler's progress extends it.
    const deadline = call.state.get(DEADLINE);
    this.principal = call.principal;
    this.#deadline = deadline;
    this.meta = call.meta;
    this.era = call.era;
    this.call = call;
    this.progress = async (done: number, total?: number, message?: string) => {
      if (scope?.detached()) return scope.progress(message);
      deadline?.extend();
      if (progressToken === undefined) return;
      await sctx.mcpReq.notify({
        method: 'notifications/progress',
        params: { progressToken, progress: done, ...(total !== undefined && { total }), ...(message !== undefined && { message }) },
      });
    };
    this.log = async (level: LoggingLevel, data: unknown) => {
      if (!scope?.detached()) return sctx.mcpReq.log(level, data);
      call.log[level === 'debug' ? 'debug' : level === 'info' || level === 'notice' ? 'info' : level === 'warning' ? 'warn' : 'error']({ data }, 'task log');
    };
    this.elicit = ((message: string, schema: Parameters<ClientInput['elicit']>[1]) => input.elicit(message, schema)) as HandlerContext['elicit'];
    this.elicitUrl = (message, url) => input.elicitUrl(message, url);
    this.sample = (params) => input.sample(params);
    this.roots = () => input.roots();
    this.input = (asks) => input.input(asks);
    this.closeStream = () => {
      const close = scope ? undefined : (sctx.http?.closeSSE as (() => boolean | undefined) | undefined);
      // mcplex's session transport says whether the stream was ended (false: already ended, or the answer given).
      return close !== undefined && close() !== false;
    };
    this.#input = input;
    this.#scope = scope;
  }

  /**
   * The deadline's signal (it also follows the request's own, core/deadline.ts) when a timeout stage set one, made
   * only if the handler reads it; else the request's.
   */
  get signal(): AbortSignal {
    if (this.#scope) return this.#scope.signal;
    return this.#deadline ? this.#deadline.signal : this.call.signal;
  }

  get clientCapabilities() {
    return this.#input.clientCapabilities;
  }
}

export const handlerContext = (call: CallContext, sctx: ServerContext, input: ClientInput, scope?: HandlerScope): HandlerContext =>
  new ToolHandlerContext(call, sctx, input, scope);
