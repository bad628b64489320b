// A server's questions answered at the terminal: elicitation (a form's fields one by one, typed and checked by its
// schema; or a URL to open) and sampling (the person replies as the model would, as the MCP Inspector lets one),
// asked on stderr and read line by line from stdin, so answers can also be piped in
// (`printf 'Ada\n' | mcplex call greet --server demo`), one question at a time. Roots are not answered here. In both
// eras: a 2025-era server's real requests, a 2026-era server's `input_required` rounds (requestInput below).
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Json, Upstream } from '../client/upstream.js';
import { ErrorCode, WireError } from '../core/index.js';
import { type UrlElicitation, urlElicitationsOf } from '../wire/url-elicitation.js';

/** Answers one server→client request (method, params) with its result. */
export type Answerer = (method: string, params: Json | undefined) => Promise<Json>;

export interface TerminalInput {
  answer: Answerer;
  /**
   * The server says the page of URL elicitation `elicitationId` is done (`notifications/elicitation/complete`,
   * 2025-11-25): a person asked to press Enter for it need not.
   */
  completed(elicitationId: string): void;
  /** Stops reading the input (a command that asked nothing never started). */
  close(): void;
}

const MAX_ROUNDS = 8;
/** What a wait for Enter gives when the server's completion ended it first. */
const DONE = Symbol('done');

interface Field {
  type?: string;
  title?: string;
  description?: string;
  enum?: unknown[];
  oneOf?: Array<{ const?: unknown; title?: string }>;
  default?: unknown;
  items?: { enum?: unknown[]; anyOf?: Array<{ const?: unknown }> };
}

/** The values a field accepts, when it is a choice (enum, titled oneOf, or a multi-select's items). */
function choices(f: Field): unknown[] | undefined {
  return f.enum ?? f.oneOf?.map((o) => o.const) ?? f.items?.enum ?? f.items?.anyOf?.map((o) => o.const);
}

/** What a typed line means for a field: its value, undefined to leave it out, or an error to ask again with. */
function parse(text: string, f: Field, required: boolean): { value?: unknown; error?: string } {
  if (text === '') {
    if (f.default !== undefined) return { value: f.default };
    return required ? { error: 'an answer is required' } : {};
  }
  const options = choices(f);
  if (f.type === 'array') {
    const picked = text.split(',').map((s) => s.trim()).filter(Boolean);
    const bad = options ? picked.filter((p) => !options.includes(p)) : [];
    return bad.length > 0 ? { error: `not one of ${options!.join(', ')}: ${bad.join(', ')}` } : { value: picked };
  }
  if (options) return options.includes(text) ? { value: text } : { error: `expected one of ${options.join(', ')}` };
  if (f.type === 'boolean') {
    if (/^(y|yes|true)$/i.test(text)) return { value: true };
    if (/^(n|no|false)$/i.test(text)) return { value: false };
    return { error: 'expected yes or no' };
  }
  if (f.type === 'integer' || f.type === 'number') {
    const n = Number(text);
    if (!Number.isFinite(n) || (f.type === 'integer' && !Number.isInteger(n))) return { error: `expected ${f.type === 'integer' ? 'a whole number' : 'a number'}` };
    return { value: n };
  }
  return { value: text };
}

/**
 * Asks on `output` and reads answers from `input`, one line each. An answer of `!decline` or `!cancel` to any
 * question ends the form that way; the input ending (EOF) cancels it.
 */
export function terminalInput(input: Readable, output: Writable): TerminalInput {
  // Opened at the first question (reading stdin keeps a process alive); lines are buffered as they come (piped
  // input arrives all at once) and taken one per question.
  let reader: ReturnType<typeof createInterface> | undefined;
  let lines: AsyncIterator<string> | undefined;
  // A line asked for and not yet taken (a wait for Enter that the server's completion ended): the next question's.
  let pending: Promise<IteratorResult<string>> | undefined;
  /** The next line (undefined at the end of the input), or DONE if `unless` settles first. */
  const read = async (unless?: Promise<void>): Promise<string | undefined | typeof DONE> => {
    reader ??= createInterface({ input, terminal: false });
    lines ??= reader[Symbol.asyncIterator]();
    pending ??= lines.next();
    const line = pending;
    const next = unless ? await Promise.race([line, unless.then((): typeof DONE => DONE)]) : await line;
    if (next === DONE) return DONE;
    pending = undefined;
    return next.done ? undefined : String(next.value).trim();
  };
  const ask = async (question: string): Promise<string | undefined> => {
    output.write(question);
    return (await read()) as string | undefined;
  };
  // URL elicitations the server said are done, and the waits for them.
  const done = new Set<string>();
  const waiting = new Map<string, () => void>();
  const completion = (id: string) => (done.has(id) ? Promise.resolve() : new Promise<void>((resolve) => waiting.set(id, resolve)));

  async function form(params: Json): Promise<Json> {
    const schema = (params.requestedSchema ?? {}) as { properties?: Record<string, Field>; required?: string[] };
    const content: Json = {};
    for (const [name, f] of Object.entries(schema.properties ?? {})) {
      const required = schema.required?.includes(name) === true;
      const options = choices(f);
      const hint = [f.type ?? 'string', options && `one of ${options.join(', ')}`, f.default !== undefined && `default ${String(f.default)}`, required ? 'required' : 'optional'].filter(Boolean).join('; ');
      for (;;) {
        const text = await ask(`  ${f.title ?? name}${f.description ? ` (${f.description})` : ''} [${hint}]: `);
        if (text === undefined || text === '!cancel') return { action: 'cancel' };
        if (text === '!decline') return { action: 'decline' };
        const { value, error } = parse(text, f, required);
        if (error) {
          output.write(`  ${error}\n`);
          continue;
        }
        if (value !== undefined) content[name] = value;
        break;
      }
    }
    return { action: 'accept', content };
  }

  /** A sampling request: the conversation shown, and the person's lines are the model's reply. */
  async function sample(params: Json): Promise<Json> {
    const { messages = [], systemPrompt, maxTokens } = params as { messages?: Array<{ role: string; content: unknown }>; systemPrompt?: string; maxTokens?: number };
    output.write(`The server asks for a model's reply (sampling${maxTokens ? `, at most ${maxTokens} tokens` : ''}):\n`);
    if (systemPrompt) output.write(`  system: ${systemPrompt}\n`);
    for (const m of messages) output.write(`  ${m.role}: ${contentText(m.content)}\n`);
    let text = await ask('  Reply as the model (a line ending in \\ goes on to the next; !decline to refuse): ');
    // The spec's example answer to a refused sampling request (no error code of the JSON-RPC range fits it).
    if (text === undefined || text === '' || text === '!decline' || text === '!cancel') throw new WireError(-1, 'User rejected sampling request');
    while (text.endsWith('\\')) {
      const more: string | undefined = await ask('  … ');
      text = `${text.slice(0, -1).replace(/[ \t]+$/, '')}\n${more ?? ''}`;
      if (more === undefined) break;
    }
    return { role: 'assistant', content: { type: 'text', text }, model: 'human (mcplex command line)', stopReason: 'endTurn' };
  }

  async function one(method: string, params: Json): Promise<Json> {
    if (method === 'sampling/createMessage') return sample(params);
    if (method !== 'elicitation/create') throw new WireError(ErrorCode.MethodNotFound, `the mcplex command line does not answer ${method} requests (only elicitation and sampling)`);
    output.write(`The server asks: ${String(params.message ?? '')}\n`);
    if (params.mode === 'url') {
      output.write(`  Open ${String(params.url)}\n`);
      const id = typeof params.elicitationId === 'string' ? params.elicitationId : undefined;
      output.write('  Press Enter when done (!decline, !cancel): ');
      const text = await read(id === undefined ? undefined : completion(id));
      if (id !== undefined) waiting.delete(id);
      if (text === DONE) output.write('\n  Done: the server says so.\n');
      return { action: text === undefined || text === '!cancel' ? 'cancel' : text === '!decline' ? 'decline' : 'accept' };
    }
    output.write('  (answer each field; !decline or !cancel to refuse)\n');
    return form(params);
  }
  // One question at a time: a 2025-era server may send several requests at once, and each reads its own lines.
  let asking: Promise<unknown> = Promise.resolve();
  const answer: Answerer = (method, params = {}) => {
    const turn = asking.then(() => one(method, params));
    asking = turn.catch(() => {});
    return turn;
  };
  const completed = (id: string) => {
    done.add(id);
    waiting.get(id)?.();
  };
  return { answer, completed, close: () => reader?.close() };
}

/** A sampling message's content as a line: its text, and what else it holds named in brackets. */
function contentText(content: unknown): string {
  const blocks = (Array.isArray(content) ? content : [content]) as Array<{ type?: string; text?: string; mimeType?: string; name?: string }>;
  return blocks.map((b) => (b?.type === 'text' ? String(b.text) : `[${b?.type ?? 'content'}${b?.name ? ` ${b.name}` : ''}${b?.mimeType ? ` ${b.mimeType}` : ''}]`)).join(' ');
}

/**
 * Sends a request and answers what the server asks before it can answer: 2026-era `input_required` rounds here
 * (2025-era servers ask with real requests, which the connection's request hook answers), and a 2025-era server's
 * -32042 (a page to open first): each page is offered as a URL elicitation, and the request sent again once opened.
 */
export async function requestInput(u: Upstream, method: string, params: Json, answer: Answerer): Promise<Json> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await answeringRounds(u, method, params, answer);
    } catch (err) {
      const pages = urlElicitationsOf(err);
      if (pages.length === 0 || attempt >= MAX_ROUNDS) throw err;
      await openPages(pages, answer);
    }
  }
}

/** Offers each page to open; refused (declined, or no one to ask: --no-input), says which pages the call needs. */
async function openPages(pages: UrlElicitation[], answer: Answerer): Promise<void> {
  const needed = pages.map((p) => `${p.url} (${p.message})`).join(', ');
  for (const { elicitationId, url, message } of pages) {
    const answered = await answer('elicitation/create', { mode: 'url', elicitationId, url, message }).catch(() => undefined);
    if (answered?.action !== 'accept') {
      throw new WireError(ErrorCode.UrlElicitationRequired, `the server needs a page opened first: ${needed}; open it, then run the command again`);
    }
  }
}

async function answeringRounds(u: Upstream, method: string, params: Json, answer: Answerer): Promise<Json> {
  let result = await u.request(method, params);
  for (let round = 0; result.resultType === 'input_required'; round++) {
    if (round >= MAX_ROUNDS) throw new WireError(ErrorCode.InternalError, `the server asked for input more than ${MAX_ROUNDS} times`);
    const inputResponses: Json = {};
    for (const [key, req] of Object.entries((result.inputRequests ?? {}) as Record<string, { method: string; params?: Json }>)) inputResponses[key] = await answer(req.method, req.params);
    result = await u.request(method, { ...params, inputResponses, ...(result.requestState !== undefined && { requestState: result.requestState }) });
  }
  return result;
}
