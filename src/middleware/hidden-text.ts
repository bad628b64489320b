// Hidden text in answers: a tool result, a resource's contents, a prompt's messages or completion values carrying
// characters the person reading along does not see but the model reads (src/core/hidden-chars.ts). A web page or a
// file an upstream passes on can hide an instruction in Unicode tag characters ("ASCII smuggling"); those are taken
// out by default (`tags`).
// `all` takes out every invisible character the definitions check knows (zero-width spaces, bidi overrides, soft
// hyphens: text some content holds legitimately), `warn` only logs, `off` looks at nothing. A gateway also cleans the
// sampling and elicitation requests an upstream sends toward the caller's model, and the log messages and progress
// notes it relays (`relayed`).
import { type CallContext, type Logger, type McpResult, type Middleware, stateKey } from '../core/index.js';
import { hiddenIn } from '../core/hidden-chars.js';
import { askedBy, type Item, itemMatcher, type OwnerOf } from './policy-target.js';

export type HiddenResultsAction = 'tags' | 'all' | 'warn' | 'off';

export interface HiddenTextOptions {
  /** What to do with hidden text in answers: take out tag characters (`tags`, default), every invisible one, log, or nothing. */
  results?: HiddenResultsAction;
  /** Items not looked at, as access rules name them (`server:files`, `tool:files__read_*`). */
  except?: string[];
}

/** Set on a request whose answer held hidden text (the metrics count it): how many characters, and what was done. */
export const HIDDEN_TEXT = stateKey<{ count: number; action: 'removed' | 'logged' }>('mcplex.hiddenText');

export interface HiddenTextMiddleware extends Middleware {
  /** Replaces the settings (a config reload). */
  configure(opts: HiddenTextOptions): void;
  /**
   * An upstream's sampling or elicitation request toward the caller, or a log message or progress note it sends,
   * cleaned as an answer is (the same object if clean).
   */
  relayed(upstream: string, method: string, params: Record<string, unknown> | undefined, log: Logger): Record<string, unknown> | undefined;
}

// tasks/get: a task's result (and what it asks for) is an answer too, whoever ran the task. completion/complete: the
// values a person picks for a prompt's argument, which the model then reads.
const SCANNED = new Set(['tools/call', 'prompts/get', 'resources/read', 'tasks/get', 'completion/complete']);
// What an upstream sends the caller on its own: requests toward its model, and the log messages and progress notes
// a host may show it or hand on.
const RELAYED = new Set(['sampling/createMessage', 'elicitation/create', 'notifications/message', 'notifications/progress']);
const MAX_DEPTH = 32;
const SPELLED_IN_LOG = 200;

interface Found {
  count: number;
  spelled: string;
}

/**
 * `value` with hidden characters taken out of every string in it (`_meta` and a round's `requestState` excepted):
 * the same object when there are none, else a copy, so an answer shared with others (the cache's) stays as it was.
 */
function cleaned<T>(value: T, tagsOnly: boolean, found: Found, depth = 0): T {
  if (typeof value === 'string') {
    const hidden = hiddenIn(value, tagsOnly);
    if (!hidden) return value;
    found.count += hidden.count;
    found.spelled += hidden.spelled;
    return hidden.text as T;
  }
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const w = cleaned(value[i], tagsOnly, found, depth + 1);
      if (w === value[i]) continue;
      copy ??= [...value];
      copy[i] = w;
    }
    return (copy ?? value) as T;
  }
  let copy: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(value)) {
    if (depth === 0 && (k === '_meta' || k === 'requestState')) continue;
    const w = cleaned(v, tagsOnly, found, depth + 1);
    if (w === v) continue;
    copy ??= { ...(value as Record<string, unknown>) };
    copy[k] = w;
  }
  return (copy ?? value) as T;
}

/** Throws on a malformed `except` pattern, naming it. */
export interface HiddenTextDeps {
  /** Which upstream serves an item, for `server:` patterns in `except` (the gateway passes its catalog). */
  ownerOf?: OwnerOf;
  /** Told of each relayed request that held hidden text (the gateway counts it as it counts answers). */
  onRelayed?: (upstream: string, method: string, action: 'removed' | 'logged') => void;
}

export function hiddenText(opts: HiddenTextOptions = {}, deps: HiddenTextDeps = {}): HiddenTextMiddleware {
  let action: HiddenResultsAction = 'tags';
  let excepted: Array<(item: Item) => boolean> = [];
  const configure = (o: HiddenTextOptions) => {
    action = o.results ?? 'tags';
    excepted = (o.except ?? []).map((p) => itemMatcher(p, deps.ownerOf));
  };
  configure(opts);

  /** The value as it goes on, and what was found (logged here). */
  function check<T>(value: T, log: Logger, where: Record<string, unknown>): { value: T; found: Found } {
    const found: Found = { count: 0, spelled: '' };
    const clean = cleaned(value, action === 'tags', found);
    if (found.count === 0) return { value, found };
    const removed = action === 'tags' || action === 'all';
    log.warn({ ...where, hidden: found.count, spelled: found.spelled.slice(0, SPELLED_IN_LOG), action: removed ? 'removed' : 'logged' }, 'hidden text in an answer');
    return { value: removed ? clean : value, found };
  }

  // Not async: off, for other methods and for excepted items it adds no promise or turn.
  const middleware = ((ctx: CallContext, next: () => Promise<McpResult>) => {
    if (action === 'off' || !SCANNED.has(ctx.method)) return next();
    if (excepted.length > 0) {
      const asked = askedBy(ctx);
      if (asked && excepted.some((m) => m(asked))) return next();
    }
    return next().then((result) => {
      const { value, found } = check(result, ctx.log, { direction: 'results' });
      if (found.count > 0) ctx.state.set(HIDDEN_TEXT, { count: found.count, action: action === 'warn' ? 'logged' : 'removed' });
      return value;
    });
  }) as HiddenTextMiddleware;
  middleware.configure = configure;
  middleware.relayed = (upstream, method, params, log) => {
    if (action === 'off' || !params || !RELAYED.has(method)) return params;
    if (excepted.some((m) => m({ kind: 'tool', name: '', owner: upstream }))) return params;
    const { value, found } = check(params, log, { direction: 'relayed', upstream, relayed: method });
    if (found.count > 0) deps.onRelayed?.(upstream, method, action === 'warn' ? 'logged' : 'removed');
    return value;
  };
  return middleware;
}
