// The shapes users declare: tools, resources, resource templates and prompts, and their handler contexts.
import type {
  ClientCapabilities,
  ContentBlock,
  CreateMessageRequestParams,
  CreateMessageResult,
  GetPromptResult,
  Icon,
  LoggingLevel,
  ReadResourceResult,
  Root,
  ToolAnnotations,
} from '@modelcontextprotocol/server';
import type { z } from 'zod';
import type { CallContext, Era, Principal, RequestMeta } from '../core/index.js';
import type { Asks, InputAnswers, UrlOutcome } from './input-requests.js';
import type { JsonSchemaObject, OutputOf, SchemaInput, StandardJsonSchema } from './schema.js';

export type SampleResult = CreateMessageResult;
export type ElicitOutcome<T> = { action: 'accept'; content: T } | { action: 'decline' } | { action: 'cancel' };

/** What every handler gets besides its arguments. */
export interface HandlerContext {
  readonly principal: Principal;
  readonly signal: AbortSignal;
  readonly meta: RequestMeta;
  readonly era: Era;
  /** The pipeline's view of this request (state slots, logger, …). */
  readonly call: CallContext;
  /** Reports progress when the client asked for it (sent a progress token); otherwise a no-op. */
  progress(done: number, total?: number, message?: string): Promise<void>;
  /** Sends a log notification to the client (honours its log level). */
  log(level: LoggingLevel, data: unknown): Promise<void>;
  /**
   * Asks the user for input. On 2025-era sessions this is a real `elicitation/create` request; on 2026-07-28
   * it is a multi-round-trip `input_required` result and the handler is re-run with the answers replayed,
   * so code before an `elicit` call must be safe to repeat.
   */
  elicit<S extends z.ZodObject>(message: string, schema: S): Promise<ElicitOutcome<z.output<S>>>;
  elicit<S extends StandardJsonSchema>(message: string, schema: S): Promise<ElicitOutcome<OutputOf<S>>>;
  elicit(message: string, schema: JsonSchemaObject): Promise<ElicitOutcome<Record<string, unknown>>>;
  /**
   * Asks the user to open `url` outside the client (URL-mode elicitation: a third party's login, a payment), where
   * nothing they enter passes through the client; same era rules as `elicit`. Needs the client's `elicitation.url`
   * capability (-32021 when a request names the caller's capabilities without it). Accepted, `complete()` tells a
   * 2025-era client when what happens there is done.
   */
  elicitUrl(message: string, url: string): Promise<UrlOutcome>;
  /** Asks the client's LLM for a completion (`sampling/createMessage`); same era rules as `elicit`. */
  sample(params: CreateMessageRequestParams): Promise<SampleResult>;
  /** Lists the client's roots (`roots/list`); same era rules as `elicit`. */
  roots(): Promise<Root[]>;
  /**
   * Asks for several inputs in one round, each under the name you give it (the key of its input request on
   * 2026-07-28): `ctx.input({ confirm: ask.elicit(…), summary: ask.sample(…), roots: ask.roots() })` resolves to
   * `{ confirm: ElicitOutcome, summary: SampleResult, roots: Root[] }`. On 2025-era sessions the requests go out at once.
   */
  input<T extends Asks>(asks: T): Promise<InputAnswers<T>>;
  /** The capabilities the caller declared (at initialize on 2025-era sessions, in the request's envelope on 2026-07-28). */
  readonly clientCapabilities: ClientCapabilities;
  /**
   * Ends this request's response stream now, before its result (SEP-1699 polling): the client reconnects after the
   * stream's `retry` delay (GET with Last-Event-ID) and gets what follows, the result included, so a long call need
   * not hold a connection open (a proxy that cuts idle streams). The handler carries on as before. Only 2025-era
   * HTTP sessions have resumable streams: false elsewhere (stdio, 2026-07-28, a task's work), and once the stream has
   * ended (closed already, or the result given), where nothing changes.
   */
  closeStream(): boolean;
}

export interface ToolResultObject {
  content?: ContentBlock[];
  structuredContent?: unknown;
  isError?: boolean;
  _meta?: Record<string, unknown>;
  [key: string]: unknown;
}
/** A handler may return a plain string (one text block) or a full result. */
export type ToolReturn = string | ToolResultObject;

type Args<I> = OutputOf<I>;

export interface ToolSpec<I extends SchemaInput | undefined = SchemaInput | undefined, O extends SchemaInput | undefined = undefined> {
  title?: string;
  description: string;
  input?: I;
  output?: O;
  annotations?: ToolAnnotations;
  icons?: Icon[];
  _meta?: Record<string, unknown>;
  /** Scopes the caller's principal must all hold; a call without them is Forbidden naming the missing scopes. */
  scopes?: readonly string[];
  /**
   * Runs as a task (the 2026-07-28 tasks extension) for clients that declare it: the call answers at once with a
   * task the client polls (tasks/get), and the handler goes on in the background. `optional`: other clients (and
   * the 2025 era) get an ordinary answer; `required`: a 2026-era client without the extension is refused (-32021).
   */
  task?: TaskSpec;
}

/** `optional` or `required`, or that with: how long the call may run before it becomes a task, how long it is kept. */
export type TaskSpec =
  | 'optional'
  | 'required'
  | {
      support: 'optional' | 'required';
      /**
       * How long the handler runs in its request before the call becomes a task; default 0: a task at once. Within
       * it, a handler that finishes answers as usual (`required`: as a task already done) and one that asks for
       * input gets a 2026-era round, so a tool can gather input first and become a task for its long part.
       */
      immediateMs?: number;
      /** How long the task (and its result) is kept from its creation; default the server's (1 hour). */
      ttlMs?: number;
    };
export type ToolHandler<I> = (args: Args<I>, ctx: HandlerContext) => ToolReturn | Promise<ToolReturn>;

export interface ResourceSpec {
  name: string;
  title?: string;
  description?: string;
  mimeType?: string;
  icons?: Icon[];
  annotations?: Record<string, unknown>;
  _meta?: Record<string, unknown>;
}
export type ResourceRead = (uri: URL, ctx: HandlerContext) => ReadResourceResult | Promise<ReadResourceResult>;
export type TemplateRead = (
  uri: URL,
  vars: Record<string, string | string[]>,
  ctx: HandlerContext,
) => ReadResourceResult | Promise<ReadResourceResult>;

/** Returns completion candidates for a partially typed value. */
export type Completer = (
  value: string,
  context: { arguments?: Record<string, string> },
) => string[] | Promise<string[]>;

/** Prompt arguments: a zod object, or an object schema of a Standard JSON Schema library (ArkType, Valibot). */
export type PromptArgs = z.ZodObject | StandardJsonSchema;

export interface PromptSpec<A extends PromptArgs | undefined = PromptArgs | undefined> {
  title?: string;
  description: string;
  args?: A;
  icons?: Icon[];
  /** Completion per argument name. */
  complete?: Record<string, Completer>;
}
export type PromptRender<A> = (
  args: A extends PromptArgs ? OutputOf<A> : Record<string, never>,
  ctx: HandlerContext,
) => GetPromptResult | Promise<GetPromptResult>;
