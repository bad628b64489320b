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
import { isZod, type JsonSchemaObject } from './schema.js';

declare const ANSWER: unique symbol;
/** One input to ask the client for; `R` is the type of its answer. Built with `ask.elicit`, `ask.sample`, `ask.roots`. */
export type Ask<R = unknown> = (
  | { readonly kind: 'elicit'; readonly message: string; readonly schema: z.ZodObject | JsonSchemaObject }
  | { readonly kind: 'sample'; readonly params: CreateMessageRequestParams }
  | { readonly kind: 'roots' }
) & { readonly [ANSWER]?: R };

/** Named inputs asked for together; each name becomes the key of its input request on the wire. */
export type Asks = Record<string, Ask>;
/** The typed answers to `Asks`, under the same names. */
export type InputAnswers<T extends Asks> = { [K in keyof T]: T[K] extends Ask<infer R> ? R : never };

function elicit<S extends z.ZodObject>(message: string, schema: S): Ask<ElicitOutcome<z.output<S>>>;
function elicit(message: string, schema: JsonSchemaObject): Ask<ElicitOutcome<Record<string, unknown>>>;
function elicit(message: string, schema: z.ZodObject | JsonSchemaObject): Ask {
  return { kind: 'elicit', message, schema };
}

/** Builders for `ctx.input({ … })`. */
export const ask = {
  /** A form for the user (`elicitation/create`, form mode); a zod schema also validates and types the answer. */
  elicit,
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

const ANSWER_KIND = { elicit: 'elicit', sample: 'sampling', roots: 'roots' } as const;
const WHAT = { elicit: 'an elicitation result', sample: 'a sampling result', roots: 'a roots/list result' } as const;
/** The client capability each kind needs (2025-era checks; the SDK checks 2026-era results itself). */
export const CAPABILITY = { elicit: 'elicitation', sample: 'sampling', roots: 'roots' } as const;

export function wireSchema(schema: z.ZodObject | JsonSchemaObject): ElicitRequestFormParams['requestedSchema'] {
  if (!isZod(schema)) return schema as ElicitRequestFormParams['requestedSchema'];
  const { $schema: _s, additionalProperties: _a, ...json } = z.toJSONSchema(schema, { io: 'input' }) as Record<string, unknown>;
  return json as ElicitRequestFormParams['requestedSchema'];
}

/** The embedded request a 2026-era `input_required` result carries for `a`. */
export function wireRequest(a: Ask): InputRequest {
  if (a.kind === 'elicit') return inputRequired.elicit({ message: a.message, requestedSchema: wireSchema(a.schema) });
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
  const outcome = (answer.action === 'accept' ? { action: 'accept', content: answer.content ?? {} } : { action: answer.action }) as ElicitOutcome<
    Record<string, unknown>
  >;
  return checkedForm(outcome, (a as { schema: z.ZodObject | JsonSchemaObject }).schema);
}

/** An accepted form is validated against a zod schema (a JSON Schema form is passed through as received). */
export function checkedForm(outcome: ElicitOutcome<Record<string, unknown>>, schema: z.ZodObject | JsonSchemaObject): ElicitOutcome<Record<string, unknown>> {
  if (outcome.action !== 'accept' || !isZod(schema)) return outcome;
  const parsed = schema.safeParse(outcome.content ?? {});
  if (!parsed.success) throw new ToolError(`The answer did not match the requested form: ${z.prettifyError(parsed.error)}`);
  return { action: 'accept', content: parsed.data as Record<string, unknown> };
}
