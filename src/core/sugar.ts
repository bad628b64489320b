// Per-method helpers over Middleware. onList uses the same predicate to hide what a policy would refuse.
import type { CallContext, McpResult, Middleware } from './context.js';

export type ListKind = 'tools' | 'prompts' | 'resources' | 'resourceTemplates';

const LIST_METHOD: Record<ListKind, string> = {
  tools: 'tools/list',
  prompts: 'prompts/list',
  resources: 'resources/list',
  resourceTemplates: 'resources/templates/list',
};

function only(method: string, mw: Middleware): Middleware {
  return (ctx, next) => (ctx.method === method ? mw(ctx, next) : next());
}

/** Middleware that runs only for `tools/call`; `ctx.target` is the tool name. */
export function onCallTool(mw: Middleware): Middleware {
  return only('tools/call', mw);
}

/** Middleware that runs only for `resources/read`; `ctx.target` is the URI. */
export function onReadResource(mw: Middleware): Middleware {
  return only('resources/read', mw);
}

/** Middleware that runs only for `prompts/get`; `ctx.target` is the prompt name. */
export function onGetPrompt(mw: Middleware): Middleware {
  return only('prompts/get', mw);
}

/** Filters the items of a list result; items for which `keep` is false are removed. */
export function onList<T = Record<string, unknown>>(
  kind: ListKind,
  keep: (item: T, ctx: CallContext) => boolean | Promise<boolean>,
): Middleware {
  return only(LIST_METHOD[kind], async (ctx, next) => {
    const result = await next();
    const items = result[kind];
    if (!Array.isArray(items)) return result;
    const verdicts = await Promise.all(items.map((item) => keep(item as T, ctx)));
    return { ...result, [kind]: items.filter((_, i) => verdicts[i]) } satisfies McpResult;
  });
}
