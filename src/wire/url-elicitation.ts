// URL-mode elicitations as the wire carries them (2025-11-25): in an `elicitation/create`'s params, or in a -32042
// (UrlElicitationRequired) error's `data.elicitations`. Read by the gateway (to relay their completion, to turn them
// into rounds for 2026-era callers) and by the command line (to open them and call again).
import { ErrorCode } from '../core/index.js';

/** One page to open, with the id its completion notification names. */
export interface UrlElicitation {
  elicitationId: string;
  url: string;
  message: string;
}

type Json = Record<string, unknown>;

/** The URL-mode elicitations among `items` (each with its id). */
export function urlElicitations(items: unknown): UrlElicitation[] {
  const out: UrlElicitation[] = [];
  for (const e of Array.isArray(items) ? (items as Json[]) : []) {
    if (e?.mode === 'url' && typeof e.elicitationId === 'string') out.push({ elicitationId: e.elicitationId, url: String(e.url ?? ''), message: String(e.message ?? '') });
  }
  return out;
}

/** The URL elicitations of a -32042 (UrlElicitationRequired) error; none for any other. */
export function urlElicitationsOf(err: unknown): UrlElicitation[] {
  const e = err as { code?: unknown; data?: { elicitations?: unknown } } | undefined;
  return e?.code === ErrorCode.UrlElicitationRequired ? urlElicitations(e.data?.elicitations) : [];
}
