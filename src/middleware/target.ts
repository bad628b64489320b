// What the resilience middleware need to know about a request's target: which backend serves it (breakers, retry
// budgets and stats are per backend) and how the tool describes itself (may it be repeated? is it read-only?).
import type { CallContext } from '../core/index.js';

export interface ToolAnnotations {
  readOnlyHint?: boolean;
  idempotentHint?: boolean;
  destructiveHint?: boolean;
}

export interface CallTarget {
  /** The backend: an upstream server's name in the gateway, 'local' in a framework server. */
  readonly key: string;
  /** The tool, prompt or resource as its own server names it. */
  readonly name?: string;
  readonly annotations?: ToolAnnotations;
}

/** Describes a request's target; undefined for requests no backend serves (lists answered locally, pings). */
export type TargetResolver = (ctx: CallContext) => CallTarget | undefined;

/** Methods whose repetition changes nothing: reads, lists, completions, pings. */
const READS = new Set(['resources/read', 'prompts/get', 'completion/complete', 'tools/list', 'prompts/list', 'resources/list', 'resources/templates/list', 'ping']);

/** True when running the request twice has the effect of running it once (so a retry is harmless). */
export function safeToRepeat(ctx: CallContext, target: CallTarget | undefined): boolean {
  if (READS.has(ctx.method)) return true;
  if (ctx.method !== 'tools/call') return false;
  const a = target?.annotations;
  return a?.readOnlyHint === true || a?.idempotentHint === true;
}

/** The default for a framework server: every request is served locally; annotations unknown. */
export const localTarget: TargetResolver = (ctx) => ({ key: 'local', ...(ctx.target !== undefined && { name: ctx.target }) });
