// Asking the client for input (elicitation, sampling, roots) with one handler API for both eras.
// 2025-era: real server→client requests. 2026-07-28: multi-round-trip — the handler is re-run, earlier
// answers are replayed from the signed requestState, and a missing answer ends the round with `input_required`.
import { randomUUID } from 'node:crypto';
import { type ClientCapabilities, type CreateMessageRequestParams, type InputRequest, ProtocolErrorCode, type Root, type Server, type ServerContext } from '@modelcontextprotocol/server';
import { ToolError, WireError } from '../core/index.js';
import type { ElicitOutcome, SampleResult } from './definitions.js';
import { type Answer, type Ask, type Asks, answerValue, ask, CAPABILITY, checkedForm, type FormSchema, type InputAnswers, readResponse, type UrlOutcome, wireRequest, wireSchema } from './input-requests.js';
import type { JsonSchemaObject } from './schema.js';
import { CLIENT_CAPABILITIES_META } from '../wire/tasks-extension.js';

/** What the requestState carries between 2026-era rounds: answers of finished steps, and those of the open step so far. */
export interface ElicitState {
  steps: Array<Record<string, Answer>>;
  partial?: Record<string, Answer>;
}

/** Thrown inside a handler to end a 2026-era round; caught by the dispatcher, never seen by users. */
export class InputRequiredSignal {
  constructor(
    readonly requests: Record<string, InputRequest>,
    readonly state: ElicitState,
  ) {}
}

export interface ClientInput {
  elicit(message: string, schema: FormSchema): Promise<ElicitOutcome<Record<string, unknown>>>;
  elicitUrl(message: string, url: string): Promise<UrlOutcome>;
  sample(params: CreateMessageRequestParams): Promise<SampleResult>;
  roots(): Promise<Root[]>;
  input<T extends Asks>(asks: T): Promise<InputAnswers<T>>;
  readonly clientCapabilities: ClientCapabilities;
}

/** Unnamed asks (`elicit`, `sample`, `roots`) get the key of their step. */
const stepKey = (k: number) => `mcplex.input.${k}`;

async function asking<T>(sctx: ServerContext, what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (sctx.mcpReq.signal.aborted) throw err;
    throw new ToolError(`Could not ${what}: ${(err as Error).message}`);
  }
}

/** How a 2025-era input request names its place, so a gateway can turn it into a 2026 `input_required` round. */
export const INPUT_META = 'io.mcplex/input';
const CALL_META = 'io.mcplex/call';

/** The spec's refusal (-32021) of input the calling client did not declare it can give (`mode`: of elicitation). */
export function missingCapability(need: string, mode?: 'url'): WireError {
  const message = `This request needs the client's ${need}${mode ? ` (${mode} mode)` : ''} capability, which the calling client did not declare`;
  return new WireError(ProtocolErrorCode.MissingRequiredClientCapability, message, { requiredCapabilities: { [need]: mode ? { [mode]: {} } : {} } });
}

class LegacyInput implements ClientInput {
  /** Rounds of `input()` asked so far in this call (names the round in INPUT_META). */
  private round = 0;
  constructor(
    private readonly sctx: ServerContext,
    private readonly peer: Peer,
  ) {}
  /**
   * What the session's client declared, narrowed by the capabilities the request itself names: a gateway's session
   * speaks for many callers and says, per request, what its caller can answer.
   */
  get clientCapabilities(): ClientCapabilities {
    const session = this.peer.getClientCapabilities() ?? {};
    const { envelope, _meta } = this.sctx.mcpReq;
    const asked = (envelope as Record<string, unknown> | undefined)?.[CLIENT_CAPABILITIES_META] ?? _meta?.[CLIENT_CAPABILITIES_META];
    if (!asked || typeof asked !== 'object') return session;
    return Object.fromEntries(Object.entries(asked).filter(([k]) => k in session)) as ClientCapabilities;
  }
  /** Whether the request named its caller's capabilities (then a missing one is the spec's -32021, as in 2026). */
  private get narrowed(): boolean {
    const { envelope, _meta } = this.sctx.mcpReq;
    return ((envelope as Record<string, unknown> | undefined)?.[CLIENT_CAPABILITIES_META] ?? _meta?.[CLIENT_CAPABILITIES_META]) !== undefined;
  }
  elicit(message: string, schema: FormSchema) {
    return this.single(ask.elicit(message, schema as JsonSchemaObject)) as Promise<ElicitOutcome<Record<string, unknown>>>;
  }
  elicitUrl(message: string, url: string) {
    return this.single(ask.url(message, url)) as Promise<UrlOutcome>;
  }
  sample(params: CreateMessageRequestParams) {
    return this.single(ask.sample(params)) as Promise<SampleResult>;
  }
  roots() {
    return this.single(ask.roots()) as Promise<Root[]>;
  }
  private single(a: Ask): Promise<unknown> {
    const round = this.round++;
    return this.one(a, this.sctx.mcpReq.signal, { key: stepKey(round), round, of: 1 });
  }
  /** All asks go out at once; when one fails, the others are cancelled. */
  async input<T extends Asks>(asks: T): Promise<InputAnswers<T>> {
    const entries = checkedAsks(asks);
    const round = this.round++;
    const failed = new AbortController();
    const signal = AbortSignal.any([this.sctx.mcpReq.signal, failed.signal]);
    const place = (key: string) => ({ key, round, of: entries.length });
    const answers = await Promise.all(entries.map(([key, a]) => this.one(a, signal, place(key)).then((v) => [key, v] as const))).catch((err: unknown) => {
      failed.abort(err);
      throw err;
    });
    return Object.fromEntries(answers) as InputAnswers<T>;
  }

  /** A real server→client request tied to the call: cancelled with it, sent on its stream, human-paced timeout. */
  private async one(a: Ask, signal: AbortSignal, place: { key: string; round: number; of: number }): Promise<unknown> {
    const { sctx } = this;
    const opts = { signal, relatedRequestId: sctx.mcpReq.id, timeout: 600_000 };
    const declared = this.clientCapabilities;
    const url = a.kind === 'url' ? 'url' : undefined;
    if (this.narrowed && (!declared[CAPABILITY[a.kind]] || (url && !declared.elicitation?.url))) throw missingCapability(CAPABILITY[a.kind], url);
    // A gateway names its call (CALL_META) so that it can tell whose call this request is for.
    const call = this.sctx.mcpReq._meta?.[CALL_META];
    const _meta = { [INPUT_META]: { ...place, ...(typeof call === 'string' && { call }) } };
    if (a.kind === 'elicit') {
      const r = await asking(sctx, 'ask the user for input', () =>
        sctx.mcpReq.elicitInput({ mode: 'form', message: a.message, requestedSchema: wireSchema(a.schema), _meta }, opts),
      );
      return checkedForm(r.action === 'accept' ? { action: 'accept', content: r.content ?? {} } : { action: r.action }, a.schema);
    }
    if (a.kind === 'url') {
      // The 2025-era id names it in the completion notification the handler may send (`complete()`).
      const elicitationId = randomUUID();
      const r = await asking(sctx, 'ask the user to open a URL', () => sctx.mcpReq.elicitInput({ mode: 'url', message: a.message, url: a.url, elicitationId, _meta }, opts));
      if (r.action !== 'accept') return { action: r.action };
      const peer = this.peer;
      return { action: 'accept', complete: () => peer.createElicitationCompletionNotifier(elicitationId)() };
    }
    if (a.kind === 'sample') return asking(sctx, 'request sampling from the client', () => sctx.mcpReq.requestSampling({ ...a.params, _meta }, opts));
    // The SDK checks the capability for elicitation and sampling itself, not for roots/list.
    if (!this.clientCapabilities[CAPABILITY.roots]) throw new ToolError("Could not list the client's roots: Client does not support roots.");
    const r = await asking(sctx, "list the client's roots", () => sctx.mcpReq.send({ method: 'roots/list', params: { _meta } }, opts));
    return r.roots;
  }
}

export function checkedAsks(asks: Asks): Array<[string, Ask]> {
  const entries = Object.entries(asks);
  if (entries.length === 0) throw new TypeError('ctx.input() needs at least one input to ask for');
  for (const [key, a] of entries) {
    if (key === '') throw new TypeError('ctx.input(): input names must not be empty');
    if (!a || !(a.kind in CAPABILITY)) throw new TypeError(`ctx.input(): '${key}' is not an input built with ask.elicit, ask.url, ask.sample or ask.roots`);
  }
  return entries;
}

class ModernInput implements ClientInput {
  private readonly state: ElicitState;
  /** Steps asked so far in this run of the handler. */
  private index = 0;
  /** Whether a step has read this round's inputResponses: they answer the step the last round asked for, and only it. */
  private consumed = false;

  constructor(
    private readonly sctx: ServerContext,
    prior: ElicitState | undefined,
  ) {
    // A state of another shape (minted by an older build) replays nothing: the handler asks again from the start.
    this.state = prior && Array.isArray(prior.steps) ? { steps: [...prior.steps], ...(prior.partial && { partial: prior.partial }) } : { steps: [] };
  }
  get clientCapabilities(): ClientCapabilities {
    const envelope = this.sctx.mcpReq.envelope as Record<string, unknown> | undefined;
    return (envelope?.[CLIENT_CAPABILITIES_META] as ClientCapabilities | undefined) ?? {};
  }
  async elicit(message: string, schema: FormSchema) {
    return this.single(ask.elicit(message, schema as JsonSchemaObject)) as ElicitOutcome<Record<string, unknown>>;
  }
  async elicitUrl(message: string, url: string) {
    return this.single(ask.url(message, url)) as UrlOutcome;
  }
  async sample(params: CreateMessageRequestParams) {
    return this.single(ask.sample(params)) as SampleResult;
  }
  async roots() {
    return this.single(ask.roots()) as Root[];
  }
  async input<T extends Asks>(asks: T): Promise<InputAnswers<T>> {
    const entries = checkedAsks(asks);
    // A form checked by a schema that validates asynchronously gives a promise: each answer is awaited.
    const answers = this.step(() => entries);
    for (const key of Object.keys(answers)) answers[key] = await answers[key];
    return answers as InputAnswers<T>;
  }

  private single(a: Ask): unknown {
    return Object.values(this.step((k) => [[stepKey(k), a]]))[0];
  }

  /** The k-th step of this handler run: replayed from the state, answered in this round, or asked for now. */
  private step(asks: (k: number) => Array<[string, Ask]>): Record<string, unknown> {
    const k = this.index++;
    const entries = asks(k);
    const replayed = this.state.steps[k];
    if (replayed) return values(entries, replayed);
    const answered: Record<string, Answer> = {};
    if (!this.consumed) {
      this.consumed = true;
      Object.assign(answered, this.state.partial);
      for (const [key, a] of entries) {
        const answer = answered[key] ?? readResponse(this.sctx.mcpReq.inputResponses, key, a);
        if (answer) answered[key] = answer;
      }
    }
    const missing = entries.filter(([key]) => !answered[key]);
    if (missing.length === 0) {
      this.state.steps.push(answered);
      delete this.state.partial;
      return values(entries, answered);
    }
    const requests = Object.fromEntries(missing.map(([key, a]) => [key, wireRequest(a)]));
    throw new InputRequiredSignal(requests, { steps: this.state.steps, ...(Object.keys(answered).length > 0 && { partial: answered }) });
  }
}

function values(entries: Array<[string, Ask]>, answers: Record<string, Answer>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, a] of entries) {
    const answer = answers[key];
    if (!answer) throw new ToolError('Replayed input does not match this request (handler is not deterministic)');
    out[key] = answerValue(a, answer);
  }
  return out;
}

/** The SDK server of the session: it knows what the client declared at initialize. */
type Peer = Pick<Server, 'getClientCapabilities' | 'createElicitationCompletionNotifier'>;

/** 2025-era input; `peer` is the session's SDK server. */
export function legacyInput(sctx: ServerContext, peer: Peer): ClientInput {
  return new LegacyInput(sctx, peer);
}

export function modernInput(sctx: ServerContext, prior: ElicitState | undefined): ClientInput {
  return new ModernInput(sctx, prior);
}
