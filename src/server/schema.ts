// Tool schemas → JSON Schema for the wire, computed once at registration, and validation of what arrives: zod, any
// library implementing Standard JSON Schema (standardschema.dev: ArkType ≥ 2.1.28, Valibot through
// `toStandardJsonSchema`, zod ≥ 4.2 itself), or a hand-written JSON Schema object sent as-is (unvalidated).
import { z } from 'zod';

export type JsonSchemaObject = { type: 'object'; [key: string]: unknown };

/** The part of the Standard Schema and Standard JSON Schema interfaces (v1) used here. */
export interface StandardJsonSchema<Input = unknown, Output = Input> {
  readonly '~standard': {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => StandardResult<Output> | Promise<StandardResult<Output>>;
    readonly jsonSchema: {
      readonly input: (options: { target: string }) => Record<string, unknown>;
      readonly output: (options: { target: string }) => Record<string, unknown>;
    };
    readonly types?: { readonly input: Input; readonly output: Output } | undefined;
  };
}
type StandardResult<Output> = { readonly value: Output; readonly issues?: undefined } | { readonly issues: ReadonlyArray<StandardIssue> };
interface StandardIssue {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
}

/** A zod schema, a Standard JSON Schema (ArkType, Valibot, …), or a JSON Schema object sent as-is. */
export type SchemaInput = z.ZodType | StandardJsonSchema | JsonSchemaObject;

/** What a handler receives for a schema: its parsed output type. */
export type OutputOf<S> = S extends z.ZodType ? z.output<S> : S extends StandardJsonSchema<unknown, infer O> ? O : Record<string, unknown>;

export function isZod(s: unknown): s is z.ZodType {
  return typeof s === 'object' && s !== null && '_zod' in s;
}

export function isStandard(s: unknown): s is StandardJsonSchema {
  const std = (s as { '~standard'?: { validate?: unknown } } | null)?.['~standard'];
  return (typeof s === 'object' || typeof s === 'function') && s !== null && typeof std?.validate === 'function';
}

export function toWireSchema(schema: SchemaInput | undefined, io: 'input' | 'output'): JsonSchemaObject {
  if (!schema) return { type: 'object', properties: {} };
  let json: Record<string, unknown>;
  if (isZod(schema)) json = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  else if (isStandard(schema)) {
    const std = schema['~standard'];
    if (typeof std.jsonSchema?.[io] !== 'function') {
      throw new TypeError(`a ${std.vendor} schema without Standard JSON Schema support: use a version that has it (ArkType ≥ 2.1.28, Valibot's toStandardJsonSchema) or give a JSON Schema object`);
    }
    json = std.jsonSchema[io]({ target: 'draft-2020-12' });
  } else return schema as JsonSchemaObject;
  const { $schema: _drop, ...wire } = json;
  if (wire.type !== 'object') throw new TypeError(`tool schemas must describe an object, got ${String(wire.type)}`);
  return wire as JsonSchemaObject;
}

type Validated = { ok: true; value: unknown } | { ok: false; message: string };

/** Validates `value`; returns the parsed value or a message naming each failing path (a promise for async schemas). */
export function validate(schema: SchemaInput | undefined, value: unknown): Validated | Promise<Validated> {
  if (!schema) return { ok: true, value };
  if (isZod(schema)) {
    const parsed = schema.safeParse(value);
    if (parsed.success) return { ok: true, value: parsed.data };
    return { ok: false, message: z.prettifyError(parsed.error) };
  }
  if (!isStandard(schema)) return { ok: true, value };
  const result = schema['~standard'].validate(value);
  return result instanceof Promise ? result.then(outcome) : outcome(result);
}

function outcome(result: StandardResult<unknown>): Validated {
  if (!result.issues) return { ok: true, value: result.value };
  return { ok: false, message: result.issues.map(describe).join('\n') };
}

/** One issue as zod's prettifyError writes one: `✖ message` and, when it has one, `→ at path`. */
function describe(issue: StandardIssue): string {
  const path = (issue.path ?? []).map((p) => String(typeof p === 'object' ? p.key : p));
  return path.length > 0 ? `✖ ${issue.message}\n  → at ${path.join('.')}` : `✖ ${issue.message}`;
}
