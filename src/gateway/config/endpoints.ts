// The gateway file's `endpoints:` section: more MCP paths beside `listen.path`, each showing its own subset of the
// catalog (`include`/`exclude` patterns as access rules write them), so one gateway serves several agents each the
// tools it needs (src/middleware/endpoint-views.ts). Registered in schema.ts/validate.ts.
import { z } from 'zod';
import type { Issue } from './errors.js';
import { MAIN_ENDPOINT } from '../../middleware/access-policy.js';
import { legacySsePaths } from '../../server/http/options.js';
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

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Each endpoint's path is its own (not the MCP path, another endpoint's, or one the gateway serves itself) and
 * `main` is no endpoint's name; access rules' `constraints.endpoints` name endpoints that exist.
 */
export function endpointIssues(root: Record<string, unknown>): Issue[] {
  return [...pathIssues(root), ...constraintIssues(root)];
}

/** `constraints.endpoints` of every capability under policy.access names `main` or a configured endpoint. */
function constraintIssues(root: Record<string, unknown>): Issue[] {
  const names = new Set([MAIN_ENDPOINT, ...(isMap(root.endpoints) ? Object.keys(root.endpoints) : [])]);
  const access = isMap(root.policy) && isMap(root.policy.access) ? root.policy.access : undefined;
  if (!access) return [];
  const lists: Array<[Array<string | number>, unknown]> = [
    [['everyone'], access.everyone],
    ...Object.entries(isMap(access.roles) ? access.roles : {}).map(([r, caps]): [Array<string | number>, unknown] => [['roles', r], caps]),
    ...Object.entries(isMap(access.principals) ? access.principals : {}).map(([p, e]): [Array<string | number>, unknown] => [['principals', p, 'capabilities'], isMap(e) ? e.capabilities : undefined]),
  ];
  const issues: Issue[] = [];
  for (const [at, caps] of lists) {
    if (!Array.isArray(caps)) continue;
    caps.forEach((cap, i) => {
      const listed = isMap(cap) && isMap(cap.constraints) ? cap.constraints.endpoints : undefined;
      for (const name of typeof listed === 'string' ? [listed] : Array.isArray(listed) ? listed : []) {
        if (typeof name === 'string' && !names.has(name)) {
          issues.push({ path: ['policy', 'access', ...at, i, 'constraints', 'endpoints'], message: `'${name}' is no endpoint (expected one of: ${[...names].join(', ')})` });
        }
      }
    });
  }
  return issues;
}

function pathIssues(root: Record<string, unknown>): Issue[] {
  const raw = root.endpoints;
  if (!isMap(raw)) return [];
  const listen = root.listen as { path?: unknown; legacySse?: unknown } | undefined;
  const main = typeof listen?.path === 'string' ? listen.path : '/mcp';
  const sse = listen?.legacySse !== false;
  const taken = new Map<string, { holder: string; sse?: true }>();
  // With the legacy SSE transport, each MCP path also holds its /sse and /messages paths.
  const take = (path: string, holder: string, owner = holder) => {
    taken.set(path, { holder });
    if (!sse) return;
    const { stream, messages } = legacySsePaths(path);
    taken.set(stream, { holder: `the legacy SSE stream of ${owner}`, sse: true });
    taken.set(messages, { holder: `the legacy SSE messages path of ${owner}`, sse: true });
  };
  take(main, main === '/mcp' ? 'the MCP path (listen.path)' : 'listen.path');
  const issues: Issue[] = [];
  for (const [name, e] of Object.entries(raw)) {
    if (name === MAIN_ENDPOINT) issues.push({ path: ['endpoints', name], message: `'${MAIN_ENDPOINT}' names listen.path in access rules (rename this endpoint)` });
    const path = e && typeof e === 'object' && typeof (e as { path?: unknown }).path === 'string' ? (e as { path: string }).path : `/${name}/mcp`;
    const at = ['endpoints', name, 'path'];
    const held = taken.get(path);
    if (held) issues.push({ path: at, message: `'${path}' is already ${held.holder} (give this endpoint another path${held.sse ? ', or set listen.legacySse: false' : ''})` });
    else if (RESERVED.some((r) => r.test(path))) issues.push({ path: at, message: `'${path}' is served by the gateway itself (choose another path, e.g. /${name}/mcp)` });
    else take(path, `the path of endpoints.${name}`, `endpoints.${name}`);
  }
  return issues;
}
