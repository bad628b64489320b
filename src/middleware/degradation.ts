// Graceful degradation: a read-only mode (refuse tools not annotated readOnlyHint) and lists of disabled tools,
// gateway-wide or per backend, read on every call so a reload or the admin API switches them at once.
import picomatch from 'picomatch';
import { type CallContext, type McpResult, type Middleware, ToolError } from '../core/index.js';
import { type CallTarget, localTarget, type TargetResolver } from './target.js';

export type Mode = 'normal' | 'read-only';

export interface DegradationPolicy {
  mode: Mode;
  /** Glob patterns over exposed tool names. */
  disabledTools: string[];
}

export interface DegradationOptions {
  /** The policy now, gateway-wide; read per request. */
  policy: () => DegradationPolicy;
  /** The policy of one backend (its disabledTools are its own tool names); read per request. */
  policyOf?: (key: string) => Partial<DegradationPolicy> | undefined;
  target?: TargetResolver;
}

/** Compiled globs, recompiled only when the list changes. */
function matcher() {
  let last: string[] | undefined;
  let test: (name: string) => boolean = () => false;
  return (patterns: string[], name: string) => {
    if (patterns !== last) {
      last = patterns;
      test = patterns.length > 0 ? picomatch(patterns) : () => false;
    }
    return test(name);
  };
}

export function degradation(opts: DegradationOptions): Middleware {
  const resolve = opts.target ?? localTarget;
  const global = matcher();
  const perKey = new Map<string, ReturnType<typeof matcher>>();
  const local = (key: string) => perKey.get(key) ?? perKey.set(key, matcher()).get(key)!;

  /** Why a tool is refused right now, or undefined when it may run. */
  function refusal(exposed: string, target: CallTarget | undefined): string | undefined {
    const policy = opts.policy();
    const own = target ? opts.policyOf?.(target.key) : undefined;
    if (global(policy.disabledTools, exposed)) return `Tool '${exposed}' is disabled by the operator; use another tool or try again later`;
    if (target && own?.disabledTools && local(target.key)(own.disabledTools, target.name ?? exposed)) {
      return `Tool '${exposed}' is disabled on server '${target.key}' by the operator; use another tool or try again later`;
    }
    const readOnly = policy.mode === 'read-only' || own?.mode === 'read-only';
    if (readOnly && target?.annotations?.readOnlyHint !== true) {
      const where = policy.mode === 'read-only' ? 'the gateway is' : `server '${target?.key}' is`;
      return `Tool '${exposed}' may change data and ${where} in read-only mode; only read-only tools can be used now`;
    }
    return undefined;
  }

  return async function degradationStage(ctx: CallContext, next: () => Promise<McpResult>): Promise<McpResult> {
    if (ctx.method === 'tools/call') {
      const why = refusal(ctx.target ?? '', resolve(ctx));
      if (why) throw new ToolError(why);
      return next();
    }
    if (ctx.method !== 'tools/list') return next();
    // The same policy that refuses a call hides the tool from the list.
    const result = await next();
    if (!Array.isArray(result.tools)) return result;
    const tools = (result.tools as Record<string, unknown>[]).filter((t) => {
      const name = String(t.name);
      const target = resolve({ ...ctx, method: 'tools/call', target: name } as CallContext);
      const annotations = target?.annotations ?? (t.annotations as CallTarget['annotations']);
      return refusal(name, { key: '', ...target, ...(annotations && { annotations }) }) === undefined;
    });
    return { ...result, tools };
  };
}
