// Input a running task asks for: each ask parks the task (`input_required`, the request shown by tasks/get under a
// key of its own) until the client answers it with tasks/update. The handler simply awaits: unlike a 2026-era
// round, a task's handler is not run again. Asks made at once wait at once (the client may answer them one by one).
import type { ClientCapabilities, CreateMessageRequestParams, Root } from '@modelcontextprotocol/server';
import { ErrorCode, WireError } from '../../core/index.js';
import type { ElicitOutcome, SampleResult } from '../definitions.js';
import { type ClientInput, checkedAsks, missingCapability } from '../elicitation.js';
import { type Ask, type Asks, answerValue, ask, CAPABILITY, type FormSchema, type InputAnswers, readResponse, type UrlOutcome, wireRequest } from '../input-requests.js';
import type { JsonSchemaObject } from '../schema.js';
import type { Task, TaskRegistry } from './task-registry.js';

export class TaskInput implements ClientInput {
  #asked = 0;

  constructor(
    private readonly tasks: TaskRegistry,
    private readonly task: Task,
    /** What the client that created the task declared it can answer. */
    readonly clientCapabilities: ClientCapabilities,
  ) {}

  elicit(message: string, schema: FormSchema) {
    return this.#one(`mcplex.input.${this.#asked++}`, ask.elicit(message, schema as JsonSchemaObject)) as Promise<ElicitOutcome<Record<string, unknown>>>;
  }
  elicitUrl(message: string, url: string) {
    return this.#one(`mcplex.input.${this.#asked++}`, ask.url(message, url)) as Promise<UrlOutcome>;
  }
  sample(params: CreateMessageRequestParams) {
    return this.#one(`mcplex.input.${this.#asked++}`, ask.sample(params)) as Promise<SampleResult>;
  }
  roots() {
    return this.#one(`mcplex.input.${this.#asked++}`, ask.roots()) as Promise<Root[]>;
  }
  async input<T extends Asks>(asks: T): Promise<InputAnswers<T>> {
    const entries = checkedAsks(asks);
    const round = this.#asked++;
    // A name already waiting (the same asks made twice at once) gets the round's number to stay apart.
    const keyOf = (key: string) => (this.task.pending.has(key) ? `${key}.${round}` : key);
    const answers = await Promise.all(entries.map(async ([key, a]) => [key, await this.#one(keyOf(key), a)] as const));
    return Object.fromEntries(answers) as InputAnswers<T>;
  }

  #one(key: string, a: Ask): Promise<unknown> {
    const url = a.kind === 'url' ? 'url' : undefined;
    if (!this.clientCapabilities[CAPABILITY[a.kind]] || (url && !this.clientCapabilities.elicitation?.url)) return Promise.reject(missingCapability(CAPABILITY[a.kind], url));
    return this.tasks.ask(this.task, key, wireRequest(a) as unknown as Record<string, unknown>, (response) => {
      // An answer of the wrong kind or shape is the update's error (-32602), and the input stays pending.
      const answer = readResponse({ [key]: response }, key, a);
      if (!answer) throw new WireError(ErrorCode.InvalidParams, `Invalid inputResponses.${key}: no answer`);
      // A form that does not match its schema is the handler's error, as in a round.
      return Promise.resolve().then(() => answerValue(a, answer));
    });
  }
}
