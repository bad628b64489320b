// `toolSearch:` — many servers behind one gateway make a tool list too long for a model to read up front. With it,
// tools/list shows two tools of the gateway's own, `<ns>__search_tools` (a few words in, the matching tools'
// definitions out) and `<ns>__call_tool` (calls one of them by name), besides the `alwaysList` tools. These requests
// are answered in front of the pipeline, and what they stand for runs through all of it for the caller: a list or
// a search reads tools/list as that caller would (access rules, degradation, held tools), a call is authorized,
// limited, cached and audited as the tool it names. The search tools themselves change nothing.
import MiniSearch from 'minisearch';
import picomatch from 'picomatch';
import type { Json } from '../client/upstream.js';
import { type CallContext, ErrorCode, type Handler, type Logger, type McpResult, WireError } from '../core/index.js';
import { derivedCallContext, INVOCATION } from '../server/index.js';
import type { GatewayConfig, ToolSearchConfig } from './config/index.js';
import { buildToolSearch } from './config/tool-search.js';

/** Pages a search reads at most (a list of 500-tool pages is far beyond what anyone searches). */
const MAX_PAGES = 100;
/** Longest query searched: ranking time grows with it (100 KB ≈ 0.2 s of the event loop), and a few words do. */
export const MAX_QUERY = 1000;

interface Found {
  name: string;
  title?: string;
  description?: string;
  inputSchema?: unknown;
  annotations?: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export class ToolSearch {
  /** The section of `config` at work (its defaults when only endpoints turn search on); undefined when none does. */
  static from(config: GatewayConfig, log: Logger): ToolSearch | undefined {
    const section = config.toolSearch ?? (Object.values(config.endpoints ?? {}).some((e) => e.toolSearch) ? buildToolSearch({}) : undefined);
    return section && new ToolSearch(section, config.separator, log);
  }

  /** Whether a request gets tool search: its endpoint's `toolSearch`, else the gateway-wide section's presence. */
  static wanted(config: GatewayConfig, ctx: CallContext): boolean {
    const own = ctx.endpoint === undefined ? undefined : config.endpoints?.[ctx.endpoint]?.toolSearch;
    return own ?? config.toolSearch !== undefined;
  }

  /** What decides who gets tool search: a reload that changes it changes tool lists. */
  static settings(config: GatewayConfig): unknown {
    return [config.toolSearch, Object.entries(config.endpoints ?? {}).map(([name, e]) => [name, e.toolSearch])];
  }

  readonly searchName: string;
  readonly callName: string;
  readonly #listed: (name: string) => boolean;
  readonly #own: Json[];

  constructor(
    readonly config: ToolSearchConfig,
    separator: string,
    private readonly log: Logger,
  ) {
    this.searchName = `${config.namespace}${separator}search_tools`;
    this.callName = `${config.namespace}${separator}call_tool`;
    this.#listed = config.alwaysList.length > 0 ? picomatch(config.alwaysList) : () => false;
    this.#own = [
      {
        name: this.searchName,
        title: 'Search tools',
        description: `Finds tools for a task among every server behind this gateway. Give a few words saying what you want to do; returns the best matching tools (at most ${config.maxResults}) with their input schemas. Call one with ${this.callName}.`,
        inputSchema: {
          type: 'object',
          properties: {
            query: { type: 'string', maxLength: MAX_QUERY, description: 'What you want to do, in a few words (e.g. "create a github issue")' },
            limit: { type: 'integer', minimum: 1, maximum: config.maxResults, description: `How many tools to return (default and most: ${config.maxResults})` },
          },
          required: ['query'],
        },
        annotations: { readOnlyHint: true, openWorldHint: false },
      },
      {
        name: this.callName,
        title: 'Call a tool',
        description: `Calls a tool that ${this.searchName} found, by its name, with arguments that fit its input schema.`,
        inputSchema: {
          type: 'object',
          properties: {
            name: { type: 'string', description: `The tool's name, as ${this.searchName} gave it` },
            arguments: { type: 'object', description: "The tool's arguments" },
          },
          required: ['name'],
        },
      },
    ];
  }

  /**
   * The answer to tools/list (the search tools, then the caller's `alwaysList` tools as listed) or to a call of a search tool,
   * made with `pipeline` for the real requests; undefined for any other request (the pipeline answers it as usual).
   */
  answer(ctx: CallContext, pipeline: Handler): Promise<McpResult> | undefined {
    if (ctx.method === 'tools/list') return this.#list(ctx, pipeline);
    if (ctx.method !== 'tools/call') return undefined;
    if (ctx.target === this.searchName) return this.#search(ctx, pipeline);
    if (ctx.target === this.callName) return this.#call(ctx, pipeline);
    return undefined;
  }

  async #list(ctx: CallContext, pipeline: Handler): Promise<McpResult> {
    const tools = await this.#visibleTools(ctx, pipeline);
    return { tools: [...this.#own, ...tools.filter((t) => this.#listed(String(t.name)))] } as McpResult;
  }

  async #search(ctx: CallContext, pipeline: Handler): Promise<McpResult> {
    const args = (ctx.params as { arguments?: unknown }).arguments;
    const query = isObject(args) ? args.query : undefined;
    if (typeof query !== 'string' || query.trim() === '') throw new WireError(ErrorCode.InvalidParams, `${this.searchName}: give query, a few words saying what you want to do`);
    if (query.length > MAX_QUERY) throw new WireError(ErrorCode.InvalidParams, `${this.searchName}: query is ${query.length} characters long; at most ${MAX_QUERY} (a few words are enough)`);
    const asked = isObject(args) ? args.limit : undefined;
    if (asked !== undefined && !(Number.isInteger(asked) && (asked as number) >= 1)) throw new WireError(ErrorCode.InvalidParams, `${this.searchName}: limit must be a whole number from 1 to ${this.config.maxResults}`);
    const limit = Math.min((asked as number | undefined) ?? this.config.maxResults, this.config.maxResults);
    const found = rank((await this.#visibleTools(ctx, pipeline)).map(definition), query).slice(0, limit);
    const text = found.length > 0 ? JSON.stringify(found) : `No tool matches '${query}'; try other words (what the tool acts on, or what it does).`;
    return { content: [{ type: 'text', text }], structuredContent: { tools: found } } as McpResult;
  }

  /** Every tool the caller may see, as tools/list answers it through the pipeline (page by page). */
  async #visibleTools(ctx: CallContext, pipeline: Handler): Promise<Json[]> {
    const out: Json[] = [];
    let cursor: unknown;
    for (let page = 0; page < MAX_PAGES; page++) {
      const params: Record<string, unknown> = cursor === undefined ? {} : { cursor };
      const result = await this.#run(ctx, pipeline, 'tools/list', undefined, params);
      if (Array.isArray(result.tools)) out.push(...(result.tools as Json[]));
      cursor = result.nextCursor;
      if (typeof cursor !== 'string' || cursor === '') return out;
    }
    this.log.warn({ pages: MAX_PAGES }, 'tool search read only the first pages of the tool list');
    return out;
  }

  #call(ctx: CallContext, pipeline: Handler): Promise<McpResult> {
    const { arguments: args, ...rest } = ctx.params as Record<string, unknown>;
    const name = isObject(args) ? args.name : undefined;
    if (typeof name !== 'string' || name === '') throw new WireError(ErrorCode.InvalidParams, `${this.callName}: give name, a tool's name as ${this.searchName} gave it`);
    if (name === this.searchName || name === this.callName) throw new WireError(ErrorCode.InvalidParams, `${this.callName}: call ${name} directly`);
    const inner = isObject(args) ? args.arguments : undefined;
    if (inner !== undefined && !isObject(inner)) throw new WireError(ErrorCode.InvalidParams, `${this.callName}: arguments must be an object`);
    // `_meta` (progress, trace context) and a 2026-era continuation (inputResponses, requestState) go with the call.
    return this.#run(ctx, pipeline, 'tools/call', name, { ...rest, name, ...(inner !== undefined && { arguments: inner }) });
  }

  #run(ctx: CallContext, pipeline: Handler, method: string, target: string | undefined, params: Record<string, unknown>): Promise<McpResult> {
    const derived = derivedCallContext(ctx, this.log, { method, ...(target !== undefined && { target }), params });
    // The caller's connection: progress, logs and questions of the real call reach it.
    const invocation = ctx.state.get(INVOCATION);
    if (invocation) derived.state.set(INVOCATION, invocation);
    return pipeline(derived);
  }
}

function definition(t: Json): Found {
  return {
    name: String(t.name),
    ...(typeof t.title === 'string' && { title: t.title }),
    ...(typeof t.description === 'string' && { description: t.description }),
    ...(t.inputSchema !== undefined && { inputSchema: t.inputSchema }),
    ...(t.annotations !== undefined && { annotations: t.annotations }),
  };
}

/** The tools best matching `query` (BM25 over name, title and description; prefixes and small typos count). */
function rank(tools: Found[], query: string): Found[] {
  const index = new MiniSearch<Found & { id: number }>({ fields: ['name', 'title', 'description'], storeFields: [] });
  index.addAll(tools.map((t, id) => ({ ...t, id })));
  const hits = index.search(query, { boost: { name: 3, title: 2 }, prefix: true, fuzzy: 0.2, combineWith: 'OR' });
  return hits.map((h) => tools[h.id as number]!);
}
