// Secrets in tool traffic: the arguments a caller sends to a tool or prompt, and the results coming back (tool
// results, resource contents, prompt messages), are scanned with secretlint's recommended rules (cloud and SaaS
// API keys, tokens, private keys, credentials in URLs and connection strings: 28 providers). Found in arguments, the
// request is refused (or logged); found in results, the secret is replaced by a marker (or the answer withheld, or
// logged). A gateway also scans the sampling and elicitation requests it relays: what an upstream asks of the
// caller is treated as a result, what the caller answers as arguments. The value itself is never logged or echoed.
import { lintSource } from '@secretlint/core';
import { secretLintProfiler } from '@secretlint/profiler';
import { creator } from '@secretlint/secretlint-rule-preset-recommend';
import { type CallContext, ErrorCode, type Logger, type McpResult, type Middleware, WireError } from '../core/index.js';
import { askedBy, type Item, itemMatcher, type OwnerOf } from './policy-target.js';

// The profiler is on by default and keeps every lint's performance marks: unbounded in a long-running server.
secretLintProfiler.setEnabled(false);

export type ArgumentsAction = 'off' | 'warn' | 'block';
export type ResultsAction = 'off' | 'warn' | 'redact' | 'block';

export interface SecretScanOptions {
  /** Secrets in `tools/call` and `prompts/get` arguments: refused with -32602 (`block`, default), logged, or let through. */
  arguments?: ArgumentsAction;
  /** Secrets in results: replaced by `[REDACTED <kind>]` (`redact`, default), the answer withheld, logged, or let through. */
  results?: ResultsAction;
  /** Kinds not to act on: a finding's id (e.g. `BasicAuth`, `AWSAccountID`) or a rule's (`@secretlint/secretlint-rule-basicauth`). */
  allow?: string[];
  /** Items not scanned at all, as access rules name them (`server:vault`, `tool:vault__*`): a secrets manager's tools. */
  except?: string[];
}

export interface SecretScanDeps {
  /** Which upstream serves an item, for `server:` patterns in `except` (the gateway passes its catalog). */
  ownerOf?: OwnerOf;
}

/** A server→client request a gateway relays, and how to send it on (with what the scan made of its params). */
export interface RelayedAsk {
  readonly upstream: string;
  readonly method: string;
  readonly params?: Record<string, unknown>;
}
export type RelaySend = (params: Record<string, unknown> | undefined) => Promise<Record<string, unknown>>;

export interface SecretScanMiddleware extends Middleware {
  /** Replaces the settings (a config reload). */
  configure(opts: SecretScanOptions): void;
  /**
   * Scans a relayed sampling or elicitation request: its params (toward the caller) as a result is scanned, redacted
   * or refused; the caller's answer (toward the upstream) as arguments are, refused with an error to the upstream.
   * Other methods, and upstreams in `except` (`server:` patterns), are sent as they are.
   */
  relayed(ask: RelayedAsk, send: RelaySend, log: Logger): Promise<Record<string, unknown>>;
  /**
   * Scans a 2026-era caller's answers to an upstream's input_required round (`inputResponses`, sent on with the
   * retry) as it scans arguments: throws -32602 when one holds a secret, so the upstream never gets it.
   */
  relayedAnswers(upstream: string, responses: unknown, log: Logger): Promise<void>;
}

// tasks/get: a task's result (and what it asks for) is scanned as a result; it carries no arguments.
const SCANNED = new Set(['tools/call', 'prompts/get', 'resources/read', 'tasks/get']);
const RELAYED = new Set(['sampling/createMessage', 'elicitation/create']);
const CONFIG = { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: creator }] };
const SEPARATOR = '\n\u0000\n';
const MAX_DEPTH = 32;

/**
 * What could hold a secret the rules know: credentials in a URL (`scheme://user:password@`), a PEM block, or a run
 * of 20 or more token characters (every key and token format is at least that long) mixing two of lower case, upper
 * case and digits (every such format does; `xxxxxxxx…`, a long word or number cannot be one). A string without any
 * is not handed to the rules, which cost ≈ 0.1 ms a scan whatever its length.
 */
const MARKER = /:\/\/[^\s/@]*:[^\s/@]*@|-----BEGIN/;
const RUN = /[A-Za-z0-9_\-+/=.]{20,}/g;
const mixed = (run: string) => Number(/[a-z]/.test(run)) + Number(/[A-Z]/.test(run)) + Number(/[0-9]/.test(run)) >= 2;

function mayHoldSecret(text: string): boolean {
  if (text.length < 20 && !text.includes('://')) return false;
  if (MARKER.test(text)) return true;
  for (const [run] of text.matchAll(RUN)) if (mixed(run)) return true;
  return false;
}

interface Leaf {
  /** The keys from the scanned value down to the string. */
  readonly keys: ReadonlyArray<string | number>;
  readonly text: string;
}

const pathOf = (leaf: Leaf) => leaf.keys.join('.');

/** Strings under `value` that could hold a secret, with where they sit. */
function candidates(value: unknown, keys: Array<string | number> = [], out: Leaf[] = []): Leaf[] {
  if (keys.length > MAX_DEPTH || value === null || typeof value !== 'object') return out;
  const entries: Array<[string | number, unknown]> = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  for (const [key, v] of entries) {
    // A 2026-era input_required round's state is opaque, signed and goes back as it came.
    if (key === 'requestState' && keys.length === 0) continue;
    if (typeof v === 'string') {
      if (mayHoldSecret(v)) out.push({ keys: [...keys, key], text: v });
    } else candidates(v, [...keys, key], out);
  }
  return out;
}

interface Finding {
  readonly leaf: Leaf;
  /** The finding's id: what kind of secret (e.g. GITHUB_TOKEN, BasicAuth). */
  readonly kind: string;
  readonly start: number;
  readonly end: number;
}

/** Secrets in `leaves` (one scan for all of them), minus the allowed kinds. */
async function findSecrets(leaves: Leaf[], allow: ReadonlySet<string>): Promise<Finding[]> {
  if (leaves.length === 0) return [];
  const offsets: number[] = [];
  let at = 0;
  for (const l of leaves) {
    offsets.push(at);
    at += l.text.length + SEPARATOR.length;
  }
  const content = leaves.map((l) => l.text).join(SEPARATOR);
  const { messages } = await lintSource({ source: { content, filePath: 'mcp-message', ext: '', contentType: 'text' }, options: { config: CONFIG } });
  const found: Finding[] = [];
  for (const m of messages) {
    if (allow.has(m.messageId) || allow.has(m.ruleId)) continue;
    let i = offsets.length - 1;
    while (i > 0 && offsets[i]! > m.range[0]) i--;
    const start = m.range[0] - offsets[i]!;
    found.push({ leaf: leaves[i]!, kind: m.messageId, start, end: Math.min(m.range[1] - offsets[i]!, leaves[i]!.text.length) });
  }
  return found;
}

/** Where `value` holds a secret the rules know (each place as its keys), and of what kind; nothing done about it. */
export async function secretsIn(value: unknown): Promise<Array<{ keys: string[]; kind: string }>> {
  return (await findSecrets(candidates(value), new Set())).map((f) => ({ keys: f.leaf.keys.map(String), kind: f.kind }));
}

const kindsOf = (found: Finding[]) => [...new Set(found.map((f) => f.kind))].join(', ');

/** The result with each finding replaced by a marker: a copy, so a result shared with others is left as it was. */
function redacted(result: McpResult, found: Finding[]): McpResult {
  const byLeaf = new Map<Leaf, Finding[]>();
  for (const f of found) byLeaf.set(f.leaf, [...(byLeaf.get(f.leaf) ?? []), f]);
  const copy = structuredClone(result);
  for (const [leaf, fs] of byLeaf) {
    let text = leaf.text;
    // From the end, so earlier offsets stay right.
    for (const f of fs.sort((a, b) => b.start - a.start)) text = `${text.slice(0, f.start)}[REDACTED ${f.kind}]${text.slice(f.end)}`;
    let holder = copy as Record<string | number, unknown>;
    for (const key of leaf.keys.slice(0, -1)) holder = holder[key] as Record<string | number, unknown>;
    holder[leaf.keys.at(-1)!] = text;
  }
  return copy;
}

/** Throws on a malformed `except` pattern, naming it. */
export function secretScan(opts: SecretScanOptions = {}, deps: SecretScanDeps = {}): SecretScanMiddleware {
  let args: ArgumentsAction = 'block';
  let results: ResultsAction = 'redact';
  let allow: ReadonlySet<string> = new Set();
  let excepted: Array<(item: Item) => boolean> = [];
  const configure = (o: SecretScanOptions) => {
    args = o.arguments ?? 'block';
    results = o.results ?? 'redact';
    allow = new Set(o.allow ?? []);
    excepted = (o.except ?? []).map((p) => itemMatcher(p, deps.ownerOf));
  };
  configure(opts);

  async function checkArguments(log: Logger, leaves: Leaf[], refusal = 'secrets are not sent to tools'): Promise<void> {
    const found = await findSecrets(leaves, allow);
    if (found.length === 0) return;
    const paths = [...new Set(found.map((f) => pathOf(f.leaf)))].join(', ');
    log.warn({ direction: 'arguments', paths, kinds: kindsOf(found), action: args }, 'possible secret in request arguments');
    if (args === 'block') {
      throw new WireError(ErrorCode.InvalidParams, `Refused: argument ${paths} holds what looks like a secret (${kindsOf(found)}); ${refusal}`);
    }
  }

  /** The result as it may go on: itself, a redacted copy, or `withheld` (when blocked) with why. */
  async function checkResult(log: Logger, result: McpResult, withheld: (why: string) => McpResult): Promise<McpResult> {
    const leaves = candidates(result);
    if (leaves.length === 0) return result;
    const found = await findSecrets(leaves, allow);
    if (found.length === 0) return result;
    log.warn({ direction: 'results', kinds: kindsOf(found), action: results }, 'possible secret in a result');
    if (results === 'redact') return redacted(result, found);
    if (results !== 'block') return result;
    return withheld(kindsOf(found));
  }

  const withheldAnswer = (method: string) => (kinds: string): McpResult => {
    const why = `The answer was withheld: it held what looks like a secret (${kinds})`;
    if (method === 'tools/call') return { content: [{ type: 'text', text: why }], isError: true };
    throw new WireError(ErrorCode.InternalError, why);
  };

  async function scanned(ctx: CallContext, next: () => Promise<McpResult>, leaves: Leaf[]): Promise<McpResult> {
    if (leaves.length > 0) await checkArguments(ctx.log, leaves);
    const result = await next();
    return results === 'off' ? result : checkResult(ctx.log, result, withheldAnswer(ctx.method));
  }

  // Only `server:` patterns can name what an upstream asks (it is no tool, prompt or resource of its own).
  const exceptedServer = (upstream: string) => excepted.some((m) => m({ kind: 'tool', name: '', owner: upstream }));
  const ANSWER_REFUSAL = 'the answer was not sent to the server';

  async function relayed(ask: RelayedAsk, send: RelaySend, log: Logger): Promise<Record<string, unknown>> {
    if (!RELAYED.has(ask.method) || (args === 'off' && results === 'off') || exceptedServer(ask.upstream)) return send(ask.params);
    const scope = log.child({ upstream: ask.upstream, relayed: ask.method });
    let params = ask.params;
    if (params && results !== 'off') {
      const { _meta, ...asked } = params;
      const refuse = (kinds: string): McpResult => {
        throw new WireError(ErrorCode.InvalidParams, `Refused: the ${ask.method} request holds what looks like a secret (${kinds}); it was not sent to the client`);
      };
      const checked = await checkResult(scope, asked, refuse);
      if (checked !== asked) params = { ...checked, ...(_meta !== undefined && { _meta }) };
    }
    const answer = await send(params);
    if (args !== 'off') await checkArguments(scope, candidates(answer), ANSWER_REFUSAL);
    return answer;
  }

  async function relayedAnswers(upstream: string, responses: unknown, log: Logger): Promise<void> {
    if (args === 'off' || exceptedServer(upstream)) return;
    const leaves = candidates(responses, ['inputResponses']);
    if (leaves.length > 0) await checkArguments(log.child({ upstream }), leaves, ANSWER_REFUSAL);
  }

  // Not async: off, for other methods, for excepted items, and with nothing to look at, it adds no promise or turn.
  const middleware = ((ctx, next) => {
    if ((args === 'off' && results === 'off') || !SCANNED.has(ctx.method)) return next();
    if (excepted.length > 0) {
      const asked = askedBy(ctx);
      if (asked && excepted.some((m) => m(asked))) return next();
    }
    const leaves = args !== 'off' && ctx.method !== 'resources/read' ? candidates((ctx.params as { arguments?: unknown } | undefined)?.arguments) : [];
    if (leaves.length === 0 && results === 'off') return next();
    return scanned(ctx, next, leaves);
  }) as SecretScanMiddleware;
  middleware.configure = configure;
  middleware.relayed = relayed;
  middleware.relayedAnswers = relayedAnswers;
  return middleware;
}
