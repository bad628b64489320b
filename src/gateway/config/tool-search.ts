// The gateway file's `toolSearch:` section: instead of every server's tools, `tools/list` shows two tools of the
// gateway's own (search the tools, call one found) and those `alwaysList` names, so a model with many servers
// behind one gateway does not read hundreds of definitions up front (src/gateway/tool-search.ts).
// Registered in schema.ts/validate.ts.
import { z } from 'zod';
import { strict } from './hints.js';

export interface ToolSearchConfig {
  /** The meta-tools' namespace: `<namespace><separator>search_tools` and `…call_tool`; no server may use it. */
  namespace: string;
  /** Globs over exposed tool names listed as well (tools a model needs at once). */
  alwaysList: string[];
  /** Most tools one search returns (a caller may ask for fewer); default 10. */
  maxResults: number;
}

export const TOOL_SEARCH_DEFAULTS = { namespace: 'mcplex', maxResults: 10 } as const;

const shape = {
  namespace: z.string({ error: "expected a namespace (letters, digits, '_' and '-')" }).regex(/^[A-Za-z0-9_-]+$/, { error: "expected a namespace (letters, digits, '_' and '-')" }).optional(),
  alwaysList: z.preprocess(
    (v) => (typeof v === 'string' ? [v] : v),
    z.array(z.string().min(1, { error: 'expected a glob pattern over exposed tool names' }), { error: 'expected a list of glob patterns over exposed tool names' }),
  ).optional(),
  maxResults: z.number({ error: 'expected a whole number from 1 to 50' }).int({ error: 'expected a whole number from 1 to 50' }).min(1, { error: 'expected a whole number from 1 to 50' }).max(50, { error: 'expected a whole number from 1 to 50' }).optional(),
};

export const toolSearchSchema = z.preprocess((v) => (v === null || v === true ? {} : v), strict(shape, 'expected a mapping with namespace, alwaysList and maxResults (or {} for the defaults)'));

export function buildToolSearch(raw: z.infer<typeof toolSearchSchema>): ToolSearchConfig {
  return { namespace: raw.namespace ?? TOOL_SEARCH_DEFAULTS.namespace, alwaysList: raw.alwaysList ?? [], maxResults: raw.maxResults ?? TOOL_SEARCH_DEFAULTS.maxResults };
}
