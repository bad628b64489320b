// What each named endpoint (`endpoints:`) shows of the catalog now: for GET /admin/endpoints (the admin page) and
// `mcplex check --connect`. A view that shows nothing is most often a typo in a pattern.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ChangeKind } from '../core/index.js';
import { viewShows } from '../middleware/endpoint-views.js';
import type { Item } from '../middleware/policy-target.js';
import { type HttpRoute, sendJson } from '../server/index.js';
import type { Catalog } from './catalog.js';
import type { GatewayConfig } from './config/index.js';

export interface EndpointReport {
  name: string;
  path: string;
  include?: string[];
  exclude?: string[];
  /** Whether its tools/list is the search tools (its own setting, else the gateway-wide section). */
  toolSearch: boolean;
  tools: number;
  prompts: number;
  resources: number;
}

/** Each endpoint with what its view shows of `servers`' items (as the catalog holds them now). */
export function endpointReports(config: GatewayConfig, catalog: Catalog, servers: Iterable<string>): EndpointReport[] {
  const items: Array<Record<ChangeKind, Item[]>> = [...servers].map((name) => catalog.itemsOf(name));
  return Object.entries(config.endpoints ?? {}).map(([name, e]) => {
    const shows = viewShows(e);
    const shown = (kind: ChangeKind) => items.reduce((n, of) => n + of[kind].filter(shows).length, 0);
    return {
      name,
      path: e.path,
      ...(e.include && { include: e.include }),
      ...(e.exclude && { exclude: e.exclude }),
      toolSearch: e.toolSearch ?? config.toolSearch !== undefined,
      tools: shown('tools'),
      prompts: shown('prompts'),
      resources: shown('resources'),
    };
  });
}

/** GET /admin/endpoints: `{ endpoints: EndpointReport[] }` (empty without `endpoints:`). */
export function endpointsRoute(report: () => EndpointReport[]): HttpRoute {
  return {
    method: 'GET',
    path: '/admin/endpoints',
    admin: true,
    handle(_req: IncomingMessage, res: ServerResponse) {
      sendJson(res, 200, { endpoints: report() });
    },
  };
}
