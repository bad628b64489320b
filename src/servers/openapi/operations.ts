// One MCP tool per OpenAPI operation: its name (operationId, made safe), an input schema built from the
// parameters and JSON request body, an output schema from the 2xx JSON response, and annotations from the method.
import type { ToolAnnotations } from '@modelcontextprotocol/server';
import { toJsonSchema } from './json-schema.js';

export const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;
type Method = (typeof METHODS)[number];

export interface ParamBinding {
  /** The argument name in the tool's input. */
  arg: string;
  /** The name on the wire. */
  name: string;
  in: 'path' | 'query' | 'header';
}

export interface Operation {
  tool: string;
  method: Method;
  path: string;
  description: string;
  params: ParamBinding[];
  /** The JSON body goes in the `body` argument. */
  hasBody: boolean;
  inputSchema: { type: 'object'; [k: string]: unknown };
  outputSchema?: { type: 'object'; [k: string]: unknown };
  annotations: ToolAnnotations;
  /** Query parameters that page through results, for the pagination hint. */
  paging: string[];
}

type Obj = Record<string, unknown>;
const PAGING = /^(page|page_?size|per_?page|limit|offset|cursor|after|before|page_?token|next_?token|starting_?after)$/i;

function toolName(op: Obj, method: string, path: string, taken: Set<string>): string {
  const raw = typeof op.operationId === 'string' && op.operationId ? op.operationId : `${method}_${path}`;
  // Runs of '_' collapse to one: `__` is the gateway's default namespace separator.
  let name = raw.replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/_{2,}/g, '_').replace(/^_+|_+$/g, '').slice(0, 120) || method;
  for (let n = 2; taken.has(name); n++) name = `${name.replace(/_\d+$/, '')}_${n}`;
  taken.add(name);
  return name;
}

function jsonContent(content: unknown): Obj | undefined {
  if (!content || typeof content !== 'object') return undefined;
  const entry = Object.entries(content as Obj).find(([type]) => type === 'application/json' || /\+json$|\/json/.test(type));
  return entry ? ((entry[1] as Obj).schema as Obj | undefined) ?? {} : undefined;
}

function annotationsOf(method: Method, summary: string | undefined): ToolAnnotations {
  const safe = method === 'get' || method === 'head' || method === 'options';
  return {
    ...(summary && { title: summary }),
    readOnlyHint: safe,
    destructiveHint: method === 'delete' || method === 'put',
    idempotentHint: safe || method === 'put' || method === 'delete',
    openWorldHint: true,
  };
}

/** Every operation of a dereferenced OpenAPI 3.x document, in document order. */
export function operationsOf(doc: Obj): Operation[] {
  const out: Operation[] = [];
  const taken = new Set<string>();
  for (const [path, item] of Object.entries((doc.paths ?? {}) as Obj)) {
    const pathItem = item as Obj;
    for (const method of METHODS) {
      const op = pathItem[method] as Obj | undefined;
      if (!op) continue;
      const params = [...((pathItem.parameters as Obj[]) ?? []), ...((op.parameters as Obj[]) ?? [])].filter((p) => p.in === 'path' || p.in === 'query' || p.in === 'header');
      // Operation-level parameters override path-level ones of the same name and place.
      const unique = new Map(params.map((p) => [`${p.in}:${p.name}`, p]));
      const properties: Obj = {};
      const required: string[] = [];
      const bindings: ParamBinding[] = [];
      for (const p of unique.values()) {
        const name = String(p.name);
        const arg = properties[name] === undefined ? name : `${p.in}_${name}`;
        properties[arg] = { ...toJsonSchema(p.schema), ...(typeof p.description === 'string' && { description: p.description }) };
        if (p.required || p.in === 'path') required.push(arg);
        bindings.push({ arg, name, in: p.in as ParamBinding['in'] });
      }
      const body = op.requestBody as Obj | undefined;
      const bodySchema = body ? jsonContent(body.content) : undefined;
      if (bodySchema) {
        properties.body = { ...toJsonSchema(bodySchema), ...(typeof body!.description === 'string' && { description: body!.description }) };
        if (body!.required) required.push('body');
      }
      const ok = Object.entries((op.responses ?? {}) as Obj).find(([code]) => /^2(\d\d|XX)$/.test(code));
      const okSchema = ok ? jsonContent((ok[1] as Obj).content) : undefined;
      const paging = bindings.filter((b) => b.in === 'query' && PAGING.test(b.name)).map((b) => b.name);
      const summary = typeof op.summary === 'string' ? op.summary : undefined;
      const text = [summary, typeof op.description === 'string' ? op.description : undefined, `${method.toUpperCase()} ${path}`].filter(Boolean).join('\n\n');
      out.push({
        tool: toolName(op, method, path, taken),
        method,
        path,
        description: paging.length ? `${text}\n\nPaginated: pass ${paging.join(', ')} to get further pages.` : text,
        params: bindings,
        hasBody: bodySchema !== undefined,
        inputSchema: { type: 'object', properties, ...(required.length && { required }) },
        // Wrapped: the response body may be an array or a scalar, and structured content must be an object.
        ...(okSchema && { outputSchema: { type: 'object', properties: { status: { type: 'integer' }, body: toJsonSchema(okSchema) }, required: ['status'] } }),
        annotations: annotationsOf(method, summary),
        paging,
      });
    }
  }
  return out;
}
