// zod → JSON Schema for the wire, computed once at registration; raw JSON Schema objects pass through verbatim.
import { z } from 'zod';

export type JsonSchemaObject = { type: 'object'; [key: string]: unknown };
/** A zod schema, or a hand-written JSON Schema object sent as-is (the handler then gets unvalidated args). */
export type SchemaInput = z.ZodType | JsonSchemaObject;

export function isZod(s: unknown): s is z.ZodType {
  return typeof s === 'object' && s !== null && '_zod' in s;
}

export function toWireSchema(schema: SchemaInput | undefined, io: 'input' | 'output'): JsonSchemaObject {
  if (!schema) return { type: 'object', properties: {} };
  if (!isZod(schema)) return schema;
  const { $schema: _drop, ...json } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  if (json.type !== 'object') throw new TypeError(`tool schemas must describe an object, got ${String(json.type)}`);
  return json as JsonSchemaObject;
}

/** Validates `value`; returns the parsed value or a message naming each failing path. */
export function validate(schema: SchemaInput | undefined, value: unknown): { ok: true; value: unknown } | { ok: false; message: string } {
  if (!schema || !isZod(schema)) return { ok: true, value };
  const parsed = schema.safeParse(value);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, message: z.prettifyError(parsed.error) };
}
