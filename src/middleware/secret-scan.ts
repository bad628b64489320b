// Secrets in tool traffic: the arguments a caller sends to a tool or prompt, and the results coming back (tool
// results, resource contents, prompt messages), are scanned with secretlint's recommended rules (cloud and SaaS
// API keys, tokens, private keys, credentials in URLs and connection strings: 28 providers). Found in arguments, the
// request is refused (or logged); found in results, the secret is replaced by a marker (or the answer withheld, or
// logged). The value itself is never logged or echoed.
import { lintSource } from '@secretlint/core';
import { secretLintProfiler } from '@secretlint/profiler';
import { creator } from '@secretlint/secretlint-rule-preset-recommend';
import { type CallContext, ErrorCode, type McpResult, type Middleware, WireError } from '../core/index.js';
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

export interface SecretScanMiddleware extends Middleware {
  /** Replaces the settings (a config reload). */
  configure(opts: SecretScanOptions): void;
}

const SCANNED = new Set(['tools/call', 'prompts/get', 'resources/read']);
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

  async function checkArguments(ctx: CallContext, leaves: Leaf[]): Promise<void> {
    const found = await findSecrets(leaves, allow);
    if (found.length === 0) return;
    const paths = [...new Set(found.map((f) => pathOf(f.leaf)))].join(', ');
    ctx.log.warn({ direction: 'arguments', paths, kinds: kindsOf(found), action: args }, 'possible secret in request arguments');
    if (args === 'block') {
      throw new WireError(ErrorCode.InvalidParams, `Refused: argument ${paths} holds what looks like a secret (${kindsOf(found)}); secrets are not sent to tools`);
    }
  }

  async function checkResult(ctx: CallContext, result: McpResult): Promise<McpResult> {
    const leaves = candidates(result);
    if (leaves.length === 0) return result;
    const found = await findSecrets(leaves, allow);
    if (found.length === 0) return result;
    ctx.log.warn({ direction: 'results', kinds: kindsOf(found), action: results }, 'possible secret in a result');
    if (results === 'redact') return redacted(result, found);
    if (results !== 'block') return result;
    const why = `The answer was withheld: it held what looks like a secret (${kindsOf(found)})`;
    if (ctx.method === 'tools/call') return { content: [{ type: 'text', text: why }], isError: true };
    throw new WireError(ErrorCode.InternalError, why);
  }

  async function scanned(ctx: CallContext, next: () => Promise<McpResult>, leaves: Leaf[]): Promise<McpResult> {
    if (leaves.length > 0) await checkArguments(ctx, leaves);
    const result = await next();
    return results === 'off' ? result : checkResult(ctx, result);
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
  return middleware;
}
