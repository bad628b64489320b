// URL elicitations for 2026-era callers. The 2026-07-28 revision has no -32042 error and no completion notification:
// a URL to open rides the multi-round-trip flow. So a 2026-era caller whose call meets a -32042 (the gateway's
// per-caller OAuth, a 2025-era upstream's own) gets an `input_required` round asking it to open each URL
// (`elicitation/create` in URL mode, without the 2025-era id). Its next round answers it: declined or cancelled, the
// call ends there; accepted, the gateway waits (bounded) for the page to be done — the same completion a 2025-era
// caller is notified of (url-elicitations.ts) — and calls again, which either goes through or asks again.
// Held in this process under a requestState that names it (with `cluster:`, the next round is routed here).
import { randomBytes } from 'node:crypto';
import { inputRequired, inputResponse } from '@modelcontextprotocol/server';
import { LRUCache } from 'lru-cache';
import type { Json } from '../client/upstream.js';
import { ErrorCode, type McpResult, WireError } from '../core/index.js';
import { URL_ROUND_STATE } from '../server/index.js';
import { type UrlElicitation, urlElicitationsOf } from '../wire/url-elicitation.js';
import type { UrlElicitations } from './url-elicitations.js';

/** How long a caller may take to come back with its answer (and the page to be done). */
const HELD_MS = 10 * 60_000;
const MAX_HELD = 10_000;
/** The longest an accepted round waits for its pages to be done before calling again. */
const WAIT_MS = 60_000;
/** Each URL's input request in a round is asked under this prefix and its index. */
const ASK_KEY = 'mcplex.url.';

interface Round {
  /** Who may answer it: caller, method and target. */
  owner: string;
  elicitations: UrlElicitation[];
  /** Settles when every page is done. */
  done: Promise<void>;
}

export class UrlRounds {
  readonly #held = new LRUCache<string, Round>({ max: MAX_HELD, ttl: HELD_MS });
  /** Told of each round held (with `cluster:`, recorded so the caller's next round is routed here). */
  onHold: ((requestState: string, ttlMs: number) => void) | undefined;

  constructor(private readonly elicitations: UrlElicitations) {}

  /** `err`, a call to `upstream` by `owner` failing with -32042, as a round asking the caller to open its URLs; else undefined. */
  ask(owner: string, upstream: string, err: unknown): McpResult | undefined {
    const elicitations = urlElicitationsOf(err);
    if (elicitations.length === 0) return undefined;
    let left = elicitations.length;
    let resolve!: () => void;
    const done = new Promise<void>((r) => {
      resolve = r;
    });
    for (const { elicitationId } of elicitations) {
      this.elicitations.given(upstream, elicitationId, async () => {
        if (--left === 0) resolve();
      });
    }
    const requestState = `${URL_ROUND_STATE}${randomBytes(24).toString('base64url')}`;
    this.#held.set(requestState, { owner, elicitations, done });
    this.onHold?.(requestState, HELD_MS);
    const inputRequests = Object.fromEntries(elicitations.map((e, i) => [`${ASK_KEY}${i}`, inputRequired.elicitUrl({ url: e.url, message: e.message })]));
    return { resultType: 'input_required', inputRequests, requestState } as unknown as McpResult;
  }

  /** Whether `requestState` names a round of ours (else it is the upstream's or the input bridge's). */
  static owns(requestState: unknown): requestState is string {
    return typeof requestState === 'string' && requestState.startsWith(URL_ROUND_STATE);
  }

  /** Whether this process holds the round `requestState` names (whoever its caller). */
  holds(requestState: string): boolean {
    return this.#held.has(requestState);
  }

  /**
   * The caller's next round of the round `requestState` names, with its `answers`: refused when unknown, expired or
   * someone else's, ended when a URL was declined; accepted, it waits up to `waitMs` (at most a minute) for the pages.
   */
  async resume(requestState: string, owner: string, answers: Json | undefined, waitMs: number, signal: AbortSignal): Promise<void> {
    const round = this.#held.get(requestState);
    if (!round || round.owner !== owner) throw new WireError(ErrorCode.InvalidParams, 'Invalid requestState: it was altered, has expired, or belongs to another call');
    this.#held.delete(requestState);
    round.elicitations.forEach((e, i) => {
      const key = `${ASK_KEY}${i}`;
      const answer = answers && Object.hasOwn(answers, key) ? inputResponse(answers, key) : undefined;
      if (answer && answer.kind !== 'elicit') {
        throw new WireError(ErrorCode.InvalidParams, `Invalid inputResponses.${key}: it does not answer the elicitation/create request asked under that key`, { field: `inputResponses.${key}` });
      }
      if (answer && answer.action !== 'accept') throw new WireError(ErrorCode.Forbidden, `The call needs ${e.url} opened, and the user answered ${answer.action}: ${e.message}`);
    });
    await waitFor(round.done, Math.min(waitMs, WAIT_MS), signal);
  }
}

/** Resolves when `done` does, after `ms`, or when `signal` aborts, whichever is first. */
function waitFor(done: Promise<void>, ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const end = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', end);
      resolve();
    };
    const timer = setTimeout(end, ms);
    signal.addEventListener('abort', end, { once: true });
    void done.then(end);
  });
}
