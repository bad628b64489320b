// Endpoint views: one server or gateway at several MCP paths (HttpServeOptions.endpoints), each showing its own
// subset of tools, resources and prompts. A view includes and excludes items with the patterns access rules use
// (`tool:github__*`, `server:docs`, `resource:file:///docs/**`, `prompt:*`); what it leaves out is absent from that
// path's lists and answered exactly as an item that does not exist. A view curates: who may use what is still the
// access policy's, on every path.
import type { Middleware } from '../core/index.js';
import { askedBy, type ChangeAudience, type Item, itemMatcher, keptListed, LISTS, narrowListen, notFound, type OwnerOf } from './policy-target.js';

export interface EndpointView {
  /** Only items matching one of these patterns are shown; absent: every item. */
  include?: string[];
  /** Items matching one of these are left out (after `include`). */
  exclude?: string[];
}

/** Views by endpoint name; requests on the main path, or on an endpoint without a view, see everything. */
export type EndpointViews = Record<string, EndpointView>;

export interface EndpointViewsMiddleware extends Middleware, ChangeAudience {
  /** Replaces the views (a config reload); requests already past this stage keep the views they met. */
  configure(views: EndpointViews): void;
}

type Shows = (item: Item) => boolean;

/** Whether `view` shows an item (throws on a malformed pattern). */
export function viewShows(view: EndpointView, ownerOf?: OwnerOf): Shows {
  const included = view.include?.map((p) => itemMatcher(p, ownerOf));
  const excluded = (view.exclude ?? []).map((p) => itemMatcher(p, ownerOf));
  return (item) => (!included || included.some((m) => m(item))) && !excluded.some((m) => m(item));
}

/** Throws on a malformed pattern (naming it), before any request is served. */
export function endpointViews(views: EndpointViews, opts: { ownerOf?: OwnerOf } = {}): EndpointViewsMiddleware {
  let compiled = new Map<string, Shows>();
  const configure = (next: EndpointViews) => {
    compiled = new Map(Object.entries(next).map(([name, view]) => [name, viewShows(view, opts.ownerOf)]));
  };
  configure(views);

  const middleware = (async (ctx, next) => {
    const shows = ctx.endpoint === undefined ? undefined : compiled.get(ctx.endpoint);
    if (!shows) return next();
    const list = LISTS.get(ctx.method);
    if (list) return keptListed(next, list, shows);
    if (ctx.method === 'subscriptions/listen') {
      narrowListen(ctx, (uri) => shows({ kind: 'resource', name: uri }));
      return next();
    }
    const asked = askedBy(ctx);
    if (!asked || shows(asked)) return next();
    if (asked.action === 'subscribe') return {};
    throw notFound(asked);
  }) as EndpointViewsMiddleware;
  middleware.configure = configure;
  // A caller hears of a change when its endpoint shows one of the items (the main path, and endpoints without a
  // view, show everything); asked once per endpoint per change.
  middleware.hearsOf = (items) => {
    const views = compiled;
    const answered = new Map<string, boolean>();
    return (_principal, endpoint) => {
      const shows = endpoint === undefined ? undefined : views.get(endpoint);
      if (!shows) return true;
      let hears = answered.get(endpoint!);
      if (hears === undefined) {
        hears = items.some(shows);
        answered.set(endpoint!, hears);
      }
      return hears;
    };
  };
  return middleware;
}
