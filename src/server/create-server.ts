// createServer(): declare tools/resources/prompts, wrap them in the pipeline, serve over stdio or HTTP in both eras.
import type { Completer, PromptArgs, PromptRender, PromptSpec, ResourceRead, ResourceSpec, TemplateRead, ToolHandler, ToolSpec } from './definitions.js';
import { terminalHandler } from './methods.js';
import { type Registration, Registry } from './registry.js';
import type { SchemaInput } from './schema.js';
import { type TaskOptions, TaskRegistry } from './tasks/task-registry.js';
import { type HostOptions, ServingHost } from './serving-host.js';

const ITEM_KIND = { tools: 'tool', resources: 'resource', prompts: 'prompt' } as const;

export interface CreateServerOptions extends Omit<HostOptions, 'passthrough' | 'taskRegistry'> {
  /** Items per page in list results; default 500. */
  listPageSize?: number;
  /** Tools declared with `task:` run as tasks (the 2026-07-28 tasks extension): how long they are kept, how many. */
  tasks?: TaskOptions;
}

export class McplexServer extends ServingHost {
  readonly #registry: Registry;
  /** The tasks this server runs (tools declared with `task:`); `tasks.close()` cancels those still running. */
  readonly tasks: TaskRegistry;

  constructor(opts: CreateServerOptions) {
    const registry = new Registry();
    const tasks = new TaskRegistry(opts.tasks);
    super({ ...opts, taskRegistry: tasks, inputSchemaOf: (name) => registry.tools.get(name)?.wire.inputSchema }, terminalHandler(registry, opts.listPageSize ?? 500, tasks));
    this.#registry = registry;
    this.tasks = tasks;
    this.metrics?.tasks(() => tasks.counts());
    // Told only to callers who may see the item (access rules, endpoint views): see ServingHost.audienceOf.
    registry.onChange((kind, key) => this.listChanged(kind, this.audienceOf([{ kind: ITEM_KIND[kind], name: key }])));
  }

  tool<I extends SchemaInput | undefined = undefined, O extends SchemaInput | undefined = undefined>(
    name: string,
    spec: ToolSpec<I, O>,
    handler: ToolHandler<I>,
  ): Registration {
    return this.#registry.addTool(name, spec, handler as ToolHandler<unknown>);
  }

  resource(uri: string, spec: ResourceSpec, read: ResourceRead): Registration {
    return this.#registry.addResource(uri, spec, read);
  }

  resourceTemplate(uriTemplate: string, spec: ResourceSpec, read: TemplateRead, opts: { complete?: Record<string, Completer> } = {}): Registration {
    return this.#registry.addTemplate(uriTemplate, spec, read, opts.complete);
  }

  prompt<A extends PromptArgs | undefined = undefined>(name: string, spec: PromptSpec<A>, render: PromptRender<A>): Registration {
    return this.#registry.addPrompt(name, spec as PromptSpec, render as PromptRender<unknown>);
  }
}

export function createServer(opts: CreateServerOptions): McplexServer {
  return new McplexServer(opts);
}
