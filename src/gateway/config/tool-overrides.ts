// `tools.override` of a server: what the gateway shows of a tool instead of what its server says (title,
// description, annotations), and arguments it sets itself: `fixed` ones disappear from the tool's schema and are
// always sent as configured; `default` ones are sent when the caller leaves them out.
import { z } from 'zod';
import { strict } from './hints.js';

export const HINTS = ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint'] as const;

/** Either value, kept as parsed (any JSON). */
export type ArgumentRule = { fixed: unknown } | { default: unknown };

export interface ToolOverride {
  title?: string;
  description?: string;
  /** Merged over the server's own annotations (the cache, retries and read-only mode read the result). */
  annotations?: Partial<Record<(typeof HINTS)[number], boolean>>;
  /** Argument name → the value the gateway sets. */
  arguments?: Record<string, ArgumentRule>;
}

const boolean = z.boolean({ error: 'expected true or false' });
const annotations = strict(Object.fromEntries(HINTS.map((h) => [h, boolean.optional()])) as Record<(typeof HINTS)[number], z.ZodOptional<typeof boolean>>, `expected a mapping of ${HINTS.join(', ')} to true or false`);

const argumentRule = strict({ fixed: z.json().optional(), default: z.json().optional() }, 'expected { fixed: <value> } or { default: <value> }').refine(
  (r) => (r.fixed !== undefined) !== (r.default !== undefined),
  { message: 'give exactly one of fixed (always sent, hidden from callers) or default (sent when the caller gives none)' },
);

const override = strict(
  {
    title: z.string({ error: 'expected a string' }).optional(),
    description: z.string({ error: 'expected a string' }).optional(),
    annotations: annotations.optional(),
    arguments: z.record(z.string().min(1), argumentRule, { error: 'expected a mapping of argument name to { fixed: … } or { default: … }' }).optional(),
  },
  'expected a mapping with title, description, annotations and/or arguments',
);

/** The server's own tool name → what to show and set instead. */
export const overrides = z.record(z.string().min(1), override, { error: "expected a mapping of the server's own tool name to an override" });
