// A server's `tools.override` applied: the definition callers list (title, description, annotations, and an input
// schema without the arguments the gateway fixes, with the defaults it fills in), and the arguments sent upstream.
import type { Json } from '../client/upstream.js';
import { ErrorCode, WireError } from '../core/index.js';
import type { ToolOverride } from './config/index.js';

/** The tool as callers see it once `o` applies. */
export function overriddenTool(tool: Json, o: ToolOverride): Json {
  const out: Json = { ...tool };
  if (o.title !== undefined) out.title = o.title;
  if (o.description !== undefined) out.description = o.description;
  if (o.annotations) out.annotations = { ...(tool.annotations as Json | undefined), ...o.annotations };
  if (o.arguments && isObject(tool.inputSchema)) out.inputSchema = shapedSchema(tool.inputSchema, o.arguments);
  return out;
}

/** Fixed arguments leave the schema; defaulted ones say their default and are no longer required. */
function shapedSchema(schema: Json, rules: NonNullable<ToolOverride['arguments']>): Json {
  const properties: Json = { ...(isObject(schema.properties) ? schema.properties : {}) };
  let required = Array.isArray(schema.required) ? (schema.required as unknown[]) : undefined;
  for (const [name, rule] of Object.entries(rules)) {
    required = required?.filter((r) => r !== name);
    if ('fixed' in rule) delete properties[name];
    else if (isObject(properties[name])) properties[name] = { ...properties[name], default: rule.default };
  }
  const out: Json = { ...schema, properties };
  if (required) out.required = required;
  return out;
}

/**
 * The arguments to send upstream: the caller's, with defaults where it gave none and fixed values always. A caller
 * that sets a fixed argument is refused (-32602): the gateway's value is not the caller's to change.
 */
export function shapedArguments(args: unknown, o: ToolOverride, tool: string): Json | undefined {
  const rules = o.arguments;
  if (!rules) return args as Json | undefined;
  const given: Json = isObject(args) ? args : {};
  const out: Json = { ...given };
  for (const [name, rule] of Object.entries(rules)) {
    if ('fixed' in rule) {
      if (Object.hasOwn(given, name)) throw new WireError(ErrorCode.InvalidParams, `Argument '${name}' of tool '${tool}' is set by the gateway; leave it out`);
      out[name] = rule.fixed;
    } else if (given[name] === undefined) out[name] = rule.default;
  }
  return out;
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
