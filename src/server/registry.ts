// What a server exposes: tools, resources, templates and prompts, with their wire descriptions precomputed.
// Emits a change event per kind so connected clients get list_changed.
import { UriTemplate } from '@modelcontextprotocol/server';
import type { z } from 'zod';
import type { ChangeKind } from '../core/index.js';
import type {
  Completer,
  PromptArgs,
  PromptRender,
  PromptSpec,
  ResourceRead,
  ResourceSpec,
  TemplateRead,
  ToolHandler,
  ToolSpec,
} from './definitions.js';
import { isZod, type SchemaInput, toWireSchema } from './schema.js';


export interface RegisteredTool {
  readonly spec: ToolSpec;
  readonly handler: ToolHandler<unknown>;
  readonly wire: Record<string, unknown>;
}
export interface RegisteredResource {
  readonly uri: string;
  readonly wire: Record<string, unknown>;
  readonly read: ResourceRead;
}
export interface RegisteredTemplate {
  readonly template: UriTemplate;
  readonly wire: Record<string, unknown>;
  readonly read: TemplateRead;
  readonly complete?: Record<string, Completer>;
}
export interface RegisteredPrompt {
  readonly spec: PromptSpec;
  readonly render: PromptRender<unknown>;
  readonly wire: Record<string, unknown>;
}

/** Removes what was registered; connected clients get list_changed. */
export interface Registration {
  remove(): void;
}

function definedOnly(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/** A prompt's argument list: from a zod object's fields, or from the JSON Schema another library writes. */
function promptArguments(args: PromptArgs | undefined) {
  if (!args) return undefined;
  if (!isZod(args)) {
    const json = toWireSchema(args, 'input') as { properties?: Record<string, { description?: string }>; required?: string[] };
    return Object.entries(json.properties ?? {}).map(([name, field]) => definedOnly({ name, description: field.description, required: json.required?.includes(name) ?? false }));
  }
  return Object.entries((args as z.ZodObject).shape).map(([name, field]) =>
    definedOnly({
      name,
      description: (field as z.ZodType).description,
      required: !(field as z.ZodType).safeParse(undefined).success,
    }),
  );
}

export class Registry {
  readonly tools = new Map<string, RegisteredTool>();
  readonly resources = new Map<string, RegisteredResource>();
  readonly templates = new Map<string, RegisteredTemplate>();
  readonly prompts = new Map<string, RegisteredPrompt>();
  readonly #listeners = new Set<(kind: ChangeKind, key: string) => void>();

  /** Told of every item added or removed: its list's kind and its key (tool or prompt name, URI or URI template). */
  onChange(listener: (kind: ChangeKind, key: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #changed(kind: ChangeKind, key: string): void {
    for (const l of this.#listeners) l(kind, key);
  }

  #add<T>(kind: ChangeKind, map: Map<string, T>, key: string, value: T): Registration {
    if (map.has(key)) throw new Error(`${kind}: '${key}' is already registered`);
    map.set(key, value);
    this.#changed(kind, key);
    return {
      remove: () => {
        if (map.get(key) === value && map.delete(key)) this.#changed(kind, key);
      },
    };
  }

  addTool(name: string, spec: ToolSpec<SchemaInput | undefined, SchemaInput | undefined>, handler: ToolHandler<unknown>): Registration {
    if (!spec.description) throw new Error(`tool '${name}': a description is required`);
    const wire = definedOnly({
      name,
      title: spec.title,
      description: spec.description,
      inputSchema: toWireSchema(spec.input, 'input'),
      outputSchema: spec.output ? toWireSchema(spec.output, 'output') : undefined,
      annotations: spec.annotations,
      icons: spec.icons,
      _meta: spec._meta,
    });
    return this.#add('tools', this.tools, name, { spec: spec as ToolSpec, handler, wire });
  }

  addResource(uri: string, spec: ResourceSpec, read: ResourceRead): Registration {
    const wire = definedOnly({ uri, ...spec });
    return this.#add('resources', this.resources, uri, { uri, wire, read });
  }

  addTemplate(uriTemplate: string, spec: ResourceSpec, read: TemplateRead, complete?: Record<string, Completer>): Registration {
    const wire = definedOnly({ uriTemplate, ...spec });
    const entry = { template: new UriTemplate(uriTemplate), wire, read, complete };
    return this.#add('resources', this.templates, uriTemplate, entry);
  }

  addPrompt(name: string, spec: PromptSpec, render: PromptRender<unknown>): Registration {
    if (spec.args && !isZod(spec.args) && !('~standard' in spec.args)) throw new Error(`prompt '${name}': args must be a zod object or a Standard JSON Schema object schema`);
    const wire = definedOnly({
      name,
      title: spec.title,
      description: spec.description,
      arguments: promptArguments(spec.args),
      icons: spec.icons,
    });
    return this.#add('prompts', this.prompts, name, { spec, render, wire });
  }

  /** The template that matches `uri`, with its variables. */
  matchTemplate(uri: string): { entry: RegisteredTemplate; vars: Record<string, string | string[]> } | undefined {
    for (const entry of this.templates.values()) {
      const vars = entry.template.match(uri);
      if (vars) return { entry, vars };
    }
    return undefined;
  }
}
