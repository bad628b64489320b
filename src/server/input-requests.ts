// What a handler can ask the client for (a form, a sampling completion, the client's roots), built with `ask.*`,
// and how answers are turned into typed values: the same for both eras, from real requests or from `inputResponses`.
import {
  type CreateMessageRequestParams,
  type ElicitRequestFormParams,
  type InputRequest,
  inputRequired,
  inputResponse,
  type Root,
} from '@modelcontextprotocol/server';
import { z } from 'zod';
import { ErrorCode, ToolError, WireError } from '../core/index.js';
import type { ElicitOutcome, SampleResult } from './definitions.js';
import { isStandard, isZod, type JsonSchemaObject, type OutputOf, type StandardJsonSchema, toWireSchema, validate } from './schema.js';

declare const ANSWER: unique symbol;
/** One input to ask the client for; `R` is the type of its answer. Built with `ask.elicit`, `ask.sample`, `ask.roots`. */
/** A form's schema: zod (validates and types the answer), any Standard JSON Schema (the same), or JSON Schema as-is. */
export type FormSchema = z.ZodObject | StandardJsonSchema | JsonSchemaObject;

export type Ask<R = unknown> = (
  | { readonly kind: 'elicit'; readonly message: string; readonly schema: FormSchema }
  | { readonly kind: 'url'; readonly message: string; readonly url: string }
  | { readonly kind: 'sample'; readonly params: CreateMessageRequestParams }
  | { readonly kind: 'roots' }
) & { readonly [ANSWER]?: R };

/** Named inputs asked for together; each name becomes the key of its input request on the wire. */
export type Asks = Record<string, Ask>;
/** The typed answers to `Asks`, under the same names. */
export type InputAnswers<T extends Asks> = { [K in keyof T]: T[K] extends Ask<infer R> ? R : never };

function elicit<S extends z.ZodObject>(message: string, schema: S): Ask<ElicitOutcome<z.output<S>>>;
function elicit<S extends StandardJsonSchema>(message: string, schema: S): Ask<ElicitOutcome<OutputOf<S>>>;
function elicit(message: string, schema: JsonSchemaObject): Ask<ElicitOutcome<Record<string, unknown>>>;
function elicit(message: string, schema: FormSchema): Ask {
  return { kind: 'elicit', message, schema };
}

/**
 * What the user did with a URL they were asked to open. Accepting means they agreed to open it, not that what
 * happens there is done: `complete()` tells a 2025-era client when it is (`notifications/elicitation/complete`;
 * on 2026-07-28, which has no such notification, it does nothing).
 */
export type UrlOutcome = { action: 'accept'; complete(): Promise<void> } | { action: 'decline' } | { action: 'cancel' };

/** Builders for `ctx.input({ … })`. */
export const ask = {
  /** A form for the user (`elicitation/create`, form mode); a zod or Standard JSON Schema also validates and types the answer. */
  elicit,
  /**
   * A page for the user to open outside the client (`elicitation/create`, URL mode): a login to a third party, a
   * payment. Nothing they enter there passes through the client; needs the client's `elicitation.url` capability.
   */
  url: (message: string, url: string): Ask<UrlOutcome> => ({ kind: 'url', message, url }),
  /** A completion from the client's LLM (`sampling/createMessage`). */
  sample: (params: CreateMessageRequestParams): Ask<SampleResult> => ({ kind: 'sample', params }),
  /** The client's roots (`roots/list`). */
  roots: (): Ask<Root[]> => ({ kind: 'roots' }),
};

/** An answer as the requestState carries it between 2026-era rounds. */
export type Answer =
  | { kind: 'elicit'; action: 'accept' | 'decline' | 'cancel'; content?: Record<string, unknown> }
  | { kind: 'sampling'; result: SampleResult }
  | { kind: 'roots'; roots: Root[] };

const ANSWER_KIND = { elicit: 'elicit', url: 'elicit', sample: 'sampling', roots: 'roots' } as const;
const WHAT = { elicit: 'an elicitation result', url: 'an elicitation result', sample: 'a sampling result', roots: 'a roots/list result' } as const;
/** The client capability each kind needs (2025-era checks; the SDK checks 2026-era results itself). */
export const CAPABILITY = { elicit: 'elicitation', url: 'elicitation', sample: 'sampling', roots: 'roots' } as const;

export function wireSchema(schema: FormSchema): ElicitRequestFormParams['requestedSchema'] {
  if (!isZod(schema) && !isStandard(schema)) return schema as ElicitRequestFormParams['requestedSchema'];
  // A form is flat and closed by definition: the generic object keyword is left out, as the spec's forms have it.
  const { additionalProperties: _a, ...json } = isZod(schema) ? (z.toJSONSchema(schema, { io: 'input' }) as Record<string, unknown>) : toWireSchema(schema, 'input');
  const { $schema: _s, ...wire } = json;
  return wire as ElicitRequestFormParams['requestedSchema'];
}

/** The embedded request a 2026-era `input_required` result carries for `a`. */
export function wireRequest(a: Ask): InputRequest {
  if (a.kind === 'elicit') return inputRequired.elicit({ message: a.message, requestedSchema: wireSchema(a.schema) });
  if (a.kind === 'url') return inputRequired.elicitUrl({ message: a.message, url: a.url });
  if (a.kind === 'sample') return inputRequired.createMessage(a.params);
  return inputRequired.listRoots();
}

const RootsShape = z.array(z.looseObject({ uri: z.string().startsWith('file://'), name: z.string().optional() }));

/**
 * The client's answer for `key` in this round, or undefined when it sent none (then it is asked again).
 * An entry of the wrong kind or shape is a bad request: -32602 naming `inputResponses.<key>`.
 */
export function readResponse(responses: Record<string, unknown> | undefined, key: string, a: Ask): Answer | undefined {
  if (!responses || !Object.hasOwn(responses, key)) return undefined;
  const view = inputResponse(responses, key);
  const field = `inputResponses.${key}`;
  if (view.kind !== ANSWER_KIND[a.kind]) {
    throw new WireError(ErrorCode.InvalidParams, `Invalid ${field}: expected ${WHAT[a.kind]} for this ${a.kind} request`, { field });
  }
  if (view.kind === 'roots') {
    const parsed = RootsShape.safeParse(view.roots);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const at = `${field}.roots${issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}`;
      throw new WireError(ErrorCode.InvalidParams, `Invalid ${at}: ${issue.message}`, { field: at });
    }
    return { kind: 'roots', roots: parsed.data as Root[] };
  }
  if (view.kind === 'sampling') return { kind: 'sampling', result: view.result as SampleResult };
  if (view.kind === 'elicit') return view.action === 'accept' ? { kind: 'elicit', action: 'accept', content: view.content ?? {} } : { kind: 'elicit', action: view.action };
  return undefined;
}

function notReplayable(): ToolError {
  return new ToolError('Replayed input does not match this request (handler is not deterministic)');
}

/** The typed value of `answer` for `a`: a checked form outcome, a sampling result or the roots. */
export function answerValue(a: Ask, answer: Answer): unknown {
  if (answer.kind !== ANSWER_KIND[a.kind]) throw notReplayable();
  if (answer.kind === 'sampling') return answer.result;
  if (answer.kind === 'roots') return answer.roots;
  // A 2026-era client's next round is its own word that it is back: there is nothing to tell it.
  if (a.kind === 'url') return answer.action === 'accept' ? { action: 'accept', complete: async () => {} } : { action: answer.action };
  const outcome = (answer.action === 'accept' ? { action: 'accept', content: answer.content ?? {} } : { action: answer.action }) as ElicitOutcome<
    Record<string, unknown>
  >;
  return checkedForm(outcome, (a as { schema: FormSchema }).schema);
}

type Outcome = ElicitOutcome<Record<string, unknown>>;

/**
 * An accepted form is validated against a zod or Standard JSON Schema (a JSON Schema form is passed through as
 * received); a promise only for a schema that validates asynchronously.
 */
export function checkedForm(outcome: Outcome, schema: FormSchema): Outcome | Promise<Outcome> {
  if (outcome.action !== 'accept') return outcome;
  const checked = validate(schema, outcome.content ?? {});
  const accepted = (v: Awaited<typeof checked>): Outcome => {
    if (!v.ok) throw new ToolError(`The answer did not match the requested form: ${v.message}`);
    return { action: 'accept', content: v.value as Record<string, unknown> };
  };
  return checked instanceof Promise ? checked.then(accepted) : accepted(checked);
}
