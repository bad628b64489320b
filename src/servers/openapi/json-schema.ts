// OpenAPI 3.0 schema objects → JSON Schema for tool input/output schemas: `nullable` becomes a null type, OpenAPI-only
// keywords are dropped, and the cycles a dereferenced document can hold become open schemas.

const DROP = new Set(['nullable', 'example', 'xml', 'externalDocs', 'discriminator', 'deprecated']);

export function toJsonSchema(schema: unknown, seen: Set<object> = new Set()): Record<string, unknown> {
  if (typeof schema !== 'object' || schema === null) return {};
  if (seen.has(schema)) return {}; // a recursive type: any value from here down
  seen.add(schema);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) {
    if (DROP.has(k)) continue;
    if (k === 'properties' && v && typeof v === 'object') out[k] = Object.fromEntries(Object.entries(v).map(([p, s]) => [p, toJsonSchema(s, seen)]));
    else if ((k === 'items' || k === 'additionalProperties' || k === 'not') && v && typeof v === 'object') out[k] = toJsonSchema(v, seen);
    else if ((k === 'allOf' || k === 'anyOf' || k === 'oneOf') && Array.isArray(v)) out[k] = v.map((s) => toJsonSchema(s, seen));
    else out[k] = v;
  }
  seen.delete(schema);
  const s = schema as { nullable?: boolean; type?: unknown };
  if (s.nullable && typeof s.type === 'string') out.type = [s.type, 'null'];
  return out;
}
