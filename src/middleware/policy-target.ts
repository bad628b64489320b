// What a request or a list item is, for policy: a tool, resource or prompt with a name, and the action asked for.
// Patterns over them (`tool:github__*`, `resource:file:///docs/**`, `prompt:*`, `server:github`, `*`) compile here.
import picomatch from 'picomatch';
import { type CallContext, ErrorCode, type McpResult, type Principal, WireError } from '../core/index.js';

export type ItemKind = 'tool' | 'resource' | 'prompt';
/** call (tools), read (resources), get (prompts) are primary; list, complete and subscribe follow from them. */
export type Action = 'call' | 'read' | 'get' | 'list' | 'complete' | 'subscribe';
export const ACTIONS: readonly Action[] = ['call', 'read', 'get', 'list', 'complete', 'subscribe'];

export interface Item {
  readonly kind: ItemKind;
  /** Tool or prompt name as exposed, resource URI, or a template's uriTemplate text. */
  readonly name: string;
  /** The server that serves (or served) it, when the caller knows better than `OwnerOf`: a gone item has no owner there. */
  readonly owner?: string;
}
export interface Asked extends Item {
  readonly action: Action;
}

/** Whether a caller (its principal, on its endpoint) is to hear of a change; see `ChangeAudience`. */
export type Hears = (principal: Principal, endpoint: string | undefined) => boolean;

/**
 * Middleware that narrows what callers see (access rules, endpoint views) says who may hear that `items` changed
 * (undefined: everyone): a list_changed about items a caller cannot see is none of its business. The serving host
 * asks every middleware that has `hearsOf`; a caller hears when all of them agree.
 */
export interface ChangeAudience {
  hearsOf(items: readonly Item[]): Hears | undefined;
}

/** Which upstream serves an item (the gateway's catalog); absent in a framework server, where `server:` never matches. */
export type OwnerOf = (item: Item) => string | undefined;

type P = Record<string, unknown>;

/** The item a request acts on, or undefined for methods that touch no item (lists, ping, initialize, …). */
export function askedBy(ctx: CallContext): Asked | undefined {
  const name = ctx.target ?? '';
  switch (ctx.method) {
    case 'tools/call':
      return { kind: 'tool', name, action: 'call' };
    case 'resources/read':
      return { kind: 'resource', name, action: 'read' };
    case 'resources/subscribe':
      return { kind: 'resource', name, action: 'subscribe' };
    case 'prompts/get':
      return { kind: 'prompt', name, action: 'get' };
    case 'completion/complete': {
      const ref = ((ctx.params as P | undefined)?.ref ?? {}) as P;
      if (ref.type === 'ref/prompt') return { kind: 'prompt', name: String(ref.name), action: 'complete' };
      return { kind: 'resource', name: String(ref.uri), action: 'complete' };
    }
    default:
      return undefined;
  }
}

/** List methods, the key of their items, and how to read an item's kind and name. */
export const LISTS = new Map<string, { key: string; item: (i: P) => Item }>([
  ['tools/list', { key: 'tools', item: (i) => ({ kind: 'tool', name: String(i.name) }) }],
  ['prompts/list', { key: 'prompts', item: (i) => ({ kind: 'prompt', name: String(i.name) }) }],
  ['resources/list', { key: 'resources', item: (i) => ({ kind: 'resource', name: String(i.uri) }) }],
  ['resources/templates/list', { key: 'resourceTemplates', item: (i) => ({ kind: 'resource', name: String(i.uriTemplate) }) }],
]);

/** A list result with only the items `keeps` keeps (results of another shape pass as they are). */
export async function keptListed(next: () => Promise<McpResult>, list: { key: string; item: (i: P) => Item }, keeps: (item: Item) => boolean): Promise<McpResult> {
  const result = await next();
  const items = result[list.key];
  return Array.isArray(items) ? { ...result, [list.key]: items.filter((i) => keeps(list.item(i as P))) } : result;
}

/**
 * A 2026-era listen names the resources it wants updates of. Unknown URIs are accepted silently (nothing ever
 * arrives for them), so URIs `keeps` refuses are dropped silently too: the filter is narrowed in place, because the
 * same params object is what the listen hook and the SDK read once the pipeline lets the request through.
 */
export function narrowListen(ctx: CallContext, keeps: (uri: string) => boolean): void {
  const filter = (ctx.params as P | undefined)?.notifications as P | undefined;
  const uris = filter?.resourceSubscriptions;
  if (Array.isArray(uris)) filter!.resourceSubscriptions = uris.filter((uri) => typeof uri !== 'string' || keeps(uri));
}

const KINDS = new Set(['tool', 'resource', 'prompt', 'server']);

/** Why a pattern is malformed (for config errors), or undefined when it is fine. */
export function patternProblem(pattern: string): string | undefined {
  if (pattern === '*') return undefined;
  const colon = pattern.indexOf(':');
  const kind = colon > 0 ? pattern.slice(0, colon) : '';
  if (!KINDS.has(kind)) return `'${pattern}' must start with tool:, resource:, prompt: or server: (or be '*' for everything)`;
  if (pattern.length === colon + 1) return `'${pattern}' has nothing after '${kind}:'`;
  return undefined;
}

/** Compiles a pattern into a predicate over items. Throws on a malformed pattern. */
export function itemMatcher(pattern: string, ownerOf?: OwnerOf): (item: Item) => boolean {
  const problem = patternProblem(pattern);
  if (problem) throw new Error(problem);
  if (pattern === '*') return () => true;
  const colon = pattern.indexOf(':');
  const kind = pattern.slice(0, colon);
  // dot: false keeps `**` from matching `..` segments, so `file:///srv/**` never reaches `file:///srv/../etc`.
  const glob = picomatch(pattern.slice(colon + 1));
  if (kind === 'server') return (item) => glob(item.owner ?? ownerOf?.(item) ?? '\0');
  return (item) => item.kind === kind && glob(item.name);
}

/**
 * The one answer for an item the caller may not see: exactly what the terminal says for an item that does not
 * exist (framework and gateway word it the same), so a refusal never tells a hidden item from a missing one.
 */
export function notFound(asked: Asked): WireError {
  if (asked.kind === 'tool') return new WireError(ErrorCode.InvalidParams, `Unknown tool: ${asked.name}`);
  if (asked.kind === 'prompt') return new WireError(ErrorCode.InvalidParams, `Unknown prompt: ${asked.name}`);
  if (asked.action === 'complete') return new WireError(ErrorCode.InvalidParams, `Unknown resource template: ${asked.name}`);
  return new WireError(ErrorCode.InvalidParams, `Resource not found: ${asked.name}`, { uri: asked.name });
}
