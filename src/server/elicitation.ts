// Asking the client for input (elicitation, sampling) with one handler API for both eras.
// 2025-era: a real server→client request. 2026-07-28: multi-round-trip — the handler is re-run, earlier
// answers are replayed from the signed requestState, and a missing answer ends the round with `input_required`.
import {
  type CreateMessageRequestParams,
  type ElicitRequestFormParams,
  type InputRequest,
  inputRequired,
  inputResponse,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { z } from 'zod';
import { ToolError } from '../core/index.js';
import type { ElicitOutcome, SampleResult } from './definitions.js';
import { isZod, type JsonSchemaObject } from './schema.js';

type Answer = ElicitOutcome<Record<string, unknown>> | { action: 'sampled'; result: SampleResult };
export interface ElicitState {
  answers: Answer[];
}

/** Thrown inside a handler to end a 2026-era round; caught by the dispatcher, never seen by users. */
export class InputRequiredSignal {
  constructor(
    readonly key: string,
    readonly request: InputRequest,
    readonly state: ElicitState,
  ) {}
}

export interface ClientInput {
  elicit(message: string, schema: z.ZodObject | JsonSchemaObject): Promise<ElicitOutcome<Record<string, unknown>>>;
  sample(params: CreateMessageRequestParams): Promise<SampleResult>;
}

function wireSchema(schema: z.ZodObject | JsonSchemaObject): ElicitRequestFormParams['requestedSchema'] {
  if (!isZod(schema)) return schema as ElicitRequestFormParams['requestedSchema'];
  const { $schema: _s, additionalProperties: _a, ...json } = z.toJSONSchema(schema, { io: 'input' }) as Record<string, unknown>;
  return json as ElicitRequestFormParams['requestedSchema'];
}

function checked(answer: Answer, schema: z.ZodObject | JsonSchemaObject): ElicitOutcome<Record<string, unknown>> {
  if (answer.action === 'sampled') throw new ToolError('Replayed input does not match this request (handler is not deterministic)');
  if (answer.action !== 'accept' || !isZod(schema)) return answer;
  const parsed = schema.safeParse(answer.content ?? {});
  if (!parsed.success) throw new ToolError(`The answer did not match the requested form: ${z.prettifyError(parsed.error)}`);
  return { action: 'accept', content: parsed.data as Record<string, unknown> };
}

async function asking<T>(sctx: ServerContext, what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (sctx.mcpReq.signal.aborted) throw err;
    throw new ToolError(`Could not ${what}: ${(err as Error).message}`);
  }
}

/** Ties a server→client request to the call that made it: cancelled with it, sent on its stream, human-paced timeout. */
function related(sctx: ServerContext) {
  return { signal: sctx.mcpReq.signal, relatedRequestId: sctx.mcpReq.id, timeout: 600_000 };
}

export function legacyInput(sctx: ServerContext): ClientInput {
  return {
    async elicit(message, schema) {
      const r = await asking(sctx, 'ask the user for input', () =>
        sctx.mcpReq.elicitInput({ mode: 'form', message, requestedSchema: wireSchema(schema) }, related(sctx)),
      );
      const answer = (r.action === 'accept' ? { action: 'accept', content: r.content ?? {} } : { action: r.action }) as Answer;
      return checked(answer, schema);
    },
    sample(params) {
      return asking(sctx, 'request sampling from the client', () => sctx.mcpReq.requestSampling(params, related(sctx))) as Promise<SampleResult>;
    },
  };
}

export function modernInput(sctx: ServerContext, prior: ElicitState | undefined): ClientInput {
  const state: ElicitState = { answers: [...(prior?.answers ?? [])] };
  let index = 0;
  /** The k-th request of this handler run: replayed, answered in this round, or asked for now. */
  const next = (request: () => InputRequest): Answer => {
    const k = index++;
    const replayed = state.answers[k];
    if (replayed) return replayed;
    const key = `mcplex.input.${k}`;
    const view = inputResponse(sctx.mcpReq.inputResponses, key);
    let answer: Answer | undefined;
    if (view.kind === 'elicit') answer = (view.action === 'accept' ? { action: 'accept', content: view.content ?? {} } : { action: view.action }) as Answer;
    else if (view.kind === 'sampling') answer = { action: 'sampled', result: view.result as SampleResult };
    if (answer && k === state.answers.length) {
      state.answers.push(answer);
      return answer;
    }
    throw new InputRequiredSignal(key, request(), state);
  };
  return {
    async elicit(message, schema) {
      return checked(next(() => inputRequired.elicit({ message, requestedSchema: wireSchema(schema) })), schema);
    },
    async sample(params) {
      const answer = next(() => inputRequired.createMessage(params));
      if (answer.action !== 'sampled') throw new ToolError('Replayed input does not match this request (handler is not deterministic)');
      return answer.result;
    },
  };
}
