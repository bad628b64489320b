// The gateway file's `endpoints:` section: more MCP paths beside `listen.path`, each showing its own subset of the
// catalog (`include`/`exclude` patterns as access rules write them), so one gateway serves several agents each the
// tools it needs (src/middleware/endpoint-views.ts). Registered in schema.ts/validate.ts.
import { z } from 'zod';
import type { Issue } from './errors.js';
import { strict } from './hints.js';
import { itemPatterns } from './item-pattern.js';

export interface EndpointConfig {
  /** Where it is served; default `/<name>/mcp`. */
  path: string;
  include?: string[];
  exclude?: string[];
  /** Tool search on this path (true) or not (false) whatever the gateway-wide `toolSearch:` says; absent: as it says. */
  toolSearch?: boolean;
}

const patterns = itemPatterns('server:docs');

const endpoint = z.preprocess(
  (v) => (v === null ? {} : v),
  strict(
    {
      path: z.string({ error: "expected a path such as '/research/mcp'" }).regex(/^\/[^?#]*$/, { error: "must start with '/' and hold no '?' or '#' (e.g. /research/mcp)" }).optional(),
      include: patterns.optional(),
      exclude: patterns.optional(),
      toolSearch: z.boolean({ error: 'expected true or false' }).optional(),
    },
    'expected a mapping with path, include, exclude and/or toolSearch (or nothing: every item, at /<name>/mcp)',
  ),
);

export const endpointsSchema = z.record(z.string().regex(/^[A-Za-z0-9_-]+$/), endpoint, {
  error: (iss) =>
    iss.code === 'invalid_key' ? "endpoint names may only contain letters, digits, '_' and '-' (rename the key)" : 'expected a mapping of endpoint name to { path?, include?, exclude? }',
});

export function buildEndpoints(raw: z.infer<typeof endpointsSchema>): Record<string, EndpointConfig> {
  return Object.fromEntries(
    Object.entries(raw).map(([name, e]) => [
      name,
      { path: e.path ?? `/${name}/mcp`, ...(e.include && { include: e.include }), ...(e.exclude && { exclude: e.exclude }), ...(e.toolSearch !== undefined && { toolSearch: e.toolSearch }) },
    ]),
  );
}

/** Paths the gateway serves itself. */
const RESERVED = [/^\/healthz$/, /^\/readyz$/, /^\/metrics$/, /^\/admin(\/|$)/, /^\/\.well-known\//];

/** Each endpoint's path is its own: not the MCP path, another endpoint's, or one the gateway serves itself. */
export function endpointPathIssues(root: Record<string, unknown>): Issue[] {
  const raw = root.endpoints;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return [];
  const listen = root.listen as { path?: unknown } | undefined;
  const main = typeof listen?.path === 'string' ? listen.path : '/mcp';
  const taken = new Map<string, string>([[main, main === '/mcp' ? 'the MCP path (listen.path)' : 'listen.path']]);
  const issues: Issue[] = [];
  for (const [name, e] of Object.entries(raw)) {
    const path = e && typeof e === 'object' && typeof (e as { path?: unknown }).path === 'string' ? (e as { path: string }).path : `/${name}/mcp`;
    const at = ['endpoints', name, 'path'];
    const holder = taken.get(path);
    if (holder) issues.push({ path: at, message: `'${path}' is already ${holder} (give this endpoint another path)` });
    else if (RESERVED.some((r) => r.test(path))) issues.push({ path: at, message: `'${path}' is served by the gateway itself (choose another path, e.g. /${name}/mcp)` });
    taken.set(path, `the path of endpoints.${name}`);
  }
  return issues;
}
