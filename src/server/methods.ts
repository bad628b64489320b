// The end of the pipeline: answers each MCP method from the registry.
import type { ServerContext } from '@modelcontextprotocol/server';
import { type CallContext, ErrorCode, type McpResult, stateKey, ToolError, WireError } from '../core/index.js';
import { checkScopes } from '../middleware/scopes.js';
import { type CheckedType, shortly, specProblem } from '../wire/spec-shape.js';
import type { HandlerContext, ToolReturn } from './definitions.js';
import type { ClientInput } from './elicitation.js';
import { handlerContext } from './handler-context.js';
import { listPage } from './pagination.js';
import { checkParamHeaders } from './param-header-check.js';
import type { RegisteredTool, Registry } from './registry.js';
import { validate } from './schema.js';
import { callAsTask, declaresTasks, missingTasksCapability, taskSupport } from './tasks/task-call.js';
import { answerTaskMethod } from './tasks/task-methods.js';
import type { TaskRegistry } from './tasks/task-registry.js';

/** Per-request SDK plumbing the terminal handler needs; set by the protocol layer, not by middleware. */
export interface Invocation {
  readonly sctx: ServerContext;
  readonly input: ClientInput;
  /** Resource URIs this connection subscribed to (2025-era subscriptions). */
  readonly subscriptions: Set<string>;
  /**
   * The connection the request came on: one object for all requests of a 2025-era session or a stdio connection
   * (the 2026-era HTTP lane shares one across its callers). `closers` run when it closes; `completeElicitation`
   * (2025 era) tells the client a URL elicitation it was given is done.
   */
  readonly connection: { readonly closers: Set<() => void>; readonly completeElicitation?: ((elicitationId: string) => Promise<void>) | undefined };
  /** Who is calling: the connection, except on the 2026-era HTTP lane, whose one server serves every caller. */
  readonly client: object;
}

/** Most resource URIs one connection may subscribe to. */
export const MAX_SUBSCRIPTIONS_PER_CONNECTION = 256;

/** Records a 2025-era resource subscription of the request's connection, within the per-connection bound. */
export function subscribeConnection(inv: Invocation, uri: string): void {
  if (!inv.subscriptions.has(uri) && inv.subscriptions.size >= MAX_SUBSCRIPTIONS_PER_CONNECTION) {
    throw new WireError(ErrorCode.InvalidRequest, `Too many resource subscriptions: at most ${MAX_SUBSCRIPTIONS_PER_CONNECTION} per session`);
  }
  inv.subscriptions.add(uri);
}
export const INVOCATION = stateKey<Invocation>('mcplex.invocation');

type P = Record<string, unknown>;

function normalize(ret: ToolReturn, name: string | undefined): McpResult {
  if (typeof ret === 'string') return { content: [{ type: 'text', text: ret }] };
  if (typeof ret !== 'object' || ret === null || Array.isArray(ret)) {
    throw new ToolError(`Tool '${name}' returned ${shortly(ret)}: a tool's handler returns a string or { content?, structuredContent?, isError? }`);
  }
  if (ret.content === undefined && ret.structuredContent !== undefined) {
    return { ...ret, content: [{ type: 'text', text: JSON.stringify(ret.structuredContent) }] };
  }
  return { ...ret, content: ret.content ?? [] };
}

/** A resource's or prompt's result as its handler gave it, once it is one (else -32603 naming what is wrong: the server's slip). */
function checked(type: CheckedType, value: unknown, what: string): McpResult {
  const problem = specProblem(type, value);
  if (problem) throw new WireError(ErrorCode.InternalError, `${what} an invalid result: ${problem}`);
  return value as McpResult;
}

/** Runs a tool's handler on checked arguments: its result normalized and checked against its outputSchema. */
async function runTool(tool: RegisteredTool, args: unknown, hctx: HandlerContext, name: string | undefined): Promise<McpResult> {
  const result = normalize(await tool.handler(args as Record<string, unknown>, hctx), name);
  const problem = specProblem('CallToolResult', result);
  if (problem) throw new ToolError(`Tool '${name}' returned an invalid result: ${problem}`);
  if (tool.spec.output && !result.isError) {
    const out = await validate(tool.spec.output, result.structuredContent);
    if (!out.ok) throw new ToolError(`Tool '${name}' returned output that does not match its outputSchema:\n${out.message}`);
  }
  return result;
}

export function terminalHandler(registry: Registry, pageSize: number, tasks: TaskRegistry) {
  const list = (items: Iterable<{ wire: P }>, key: string, ctx: CallContext): McpResult =>
    listPage([...items].map((i) => i.wire), key, ctx.params, pageSize);

  async function callTool(ctx: CallContext, inv: Invocation): Promise<McpResult> {
    const tool = registry.tools.get(ctx.target ?? '');
    if (!tool) throw new WireError(ErrorCode.InvalidParams, `Unknown tool: ${ctx.target}`);
    if (tool.spec.scopes) checkScopes(ctx.principal, tool.spec.scopes, `tool '${ctx.target}'`);
    checkParamHeaders(ctx, tool.wire.inputSchema, (ctx.params as P).arguments);
    const checked = validate(tool.spec.input, (ctx.params as P).arguments ?? {});
    const args = checked instanceof Promise ? await checked : checked;
    if (!args.ok) throw new ToolError(`Invalid arguments for tool '${ctx.target}':\n${args.message}`);
    const support = ctx.era === 'modern' ? taskSupport(tool.spec.task) : undefined;
    if (support && declaresTasks(inv.input.clientCapabilities)) return callAsTask(ctx, inv, tasks, support, (hctx) => runTool(tool, args.value, hctx, ctx.target));
    if (support?.mode === 'required') throw missingTasksCapability(`tool '${ctx.target}'`);
    return runTool(tool, args.value, handlerContext(ctx, inv.sctx, inv.input), ctx.target);
  }

  async function readResource(ctx: CallContext, hctx: HandlerContext): Promise<McpResult> {
    const uri = ctx.target ?? '';
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      throw new WireError(ErrorCode.InvalidParams, `Invalid resource URI: ${uri}`);
    }
    const fixed = registry.resources.get(uri);
    if (fixed) return checked('ReadResourceResult', await fixed.read(url, hctx), `Resource '${uri}' gave`);
    const match = registry.matchTemplate(uri);
    if (match) return checked('ReadResourceResult', await match.entry.read(url, match.vars, hctx), `Resource '${uri}' gave`);
    // -32602 on every era: SDK 2.4 rewrites the older -32002 to it on the wire anyway.
    throw new WireError(ErrorCode.InvalidParams, `Resource not found: ${uri}`, { uri });
  }

  async function getPrompt(ctx: CallContext, hctx: HandlerContext): Promise<McpResult> {
    const prompt = registry.prompts.get(ctx.target ?? '');
    if (!prompt) throw new WireError(ErrorCode.InvalidParams, `Unknown prompt: ${ctx.target}`);
    const args = await validate(prompt.spec.args, (ctx.params as P).arguments ?? {});
    if (!args.ok) throw new WireError(ErrorCode.InvalidParams, `Invalid arguments for prompt '${ctx.target}':\n${args.message}`);
    return checked('GetPromptResult', await prompt.render(args.value as never, hctx), `Prompt '${ctx.target}' gave`);
  }

  async function complete(ctx: CallContext): Promise<McpResult> {
    const { ref, argument, context } = ctx.params as { ref: P; argument: { name: string; value: string }; context?: P };
    let completer: ((value: string, c: { arguments?: Record<string, string> }) => string[] | Promise<string[]>) | undefined;
    // An unknown prompt or template is an error, worded as the gateway words it: access control refuses hidden
    // ones with the same error, so the two must not differ.
    if (ref.type === 'ref/prompt') {
      const prompt = registry.prompts.get(String(ref.name));
      if (!prompt) throw new WireError(ErrorCode.InvalidParams, `Unknown prompt: ${ref.name}`);
      completer = prompt.spec.complete?.[argument.name];
    } else if (ref.type === 'ref/resource') {
      const template = registry.templates.get(String(ref.uri));
      if (!template) throw new WireError(ErrorCode.InvalidParams, `Unknown resource template: ${ref.uri}`);
      completer = template.complete?.[argument.name];
    }
    const all = completer ? await completer(argument.value, { arguments: context?.arguments as Record<string, string> }) : [];
    return { completion: { values: all.slice(0, 100), total: all.length, hasMore: all.length > 100 } };
  }

  return async function terminal(ctx: CallContext): Promise<McpResult> {
    const inv = ctx.state.get(INVOCATION);
    if (!inv) throw new Error('terminal handler reached without an SDK invocation');
    const hctx = () => handlerContext(ctx, inv.sctx, inv.input);
    switch (ctx.method) {
      case 'tools/list':
        return list(registry.tools.values(), 'tools', ctx);
      case 'tools/call':
        return callTool(ctx, inv);
      case 'resources/list':
        return list(registry.resources.values(), 'resources', ctx);
      case 'resources/templates/list':
        return list(registry.templates.values(), 'resourceTemplates', ctx);
      case 'resources/read':
        return readResource(ctx, hctx());
      case 'resources/subscribe':
        subscribeConnection(inv, ctx.target ?? '');
        return {};
      case 'resources/unsubscribe':
        inv.subscriptions.delete(ctx.target ?? '');
        return {};
      case 'prompts/list':
        return list(registry.prompts.values(), 'prompts', ctx);
      case 'prompts/get':
        return getPrompt(ctx, hctx());
      case 'completion/complete':
        return complete(ctx);
      case 'tasks/get':
      case 'tasks/update':
      case 'tasks/cancel':
        return answerTaskMethod(tasks, ctx, inv.input.clientCapabilities, (ctx.params as P).inputResponses ?? inv.sctx.mcpReq.inputResponses);
      default:
        throw new WireError(ErrorCode.MethodNotFound, `Method not found: ${ctx.method}`);
    }
  };
}
