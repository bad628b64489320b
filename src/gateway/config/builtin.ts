// `builtin:` servers in the gateway config: reference servers run in-process (`servers: { files: { builtin:
// filesystem, root: ./data } }`). Their schemas, their validated types, and how relative paths are resolved.
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import type { FilesystemOptions } from '../../servers/filesystem/index.js';
import { strict } from './hints.js';
import { int, nonEmpty, serverSchema, toBool } from './schema.js';
import type { CommonServerConfig, GatewayConfig } from './types.js';
import type { SqlOptions } from '../../servers/sql/options.js';

export const BUILTINS = ['filesystem', 'sql', 'openapi'] as const;
export type BuiltinKind = (typeof BUILTINS)[number];

const kind = z.enum(BUILTINS, { error: `expected one of ${BUILTINS.join(', ')}` });

/** Built on first use: schema.ts imports this module, so its helpers are not initialised while this one loads. */
function options() {
const bool = z.preprocess(toBool, z.boolean({ error: 'expected true or false' }));
const count = int(1, Number.MAX_SAFE_INTEGER, 'expected a positive integer');
const ms = int(1, 2_147_483_647, 'expected a positive integer (milliseconds)');
const paths = z.preprocess((v) => (typeof v === 'string' ? [v] : v), z.array(nonEmpty('expected a directory path'), { error: 'expected a directory path or a list of them' }).min(1, { error: 'expected at least one directory' }));
return {
  filesystem: {
    root: paths,
    readOnly: bool.optional(),
    maxReadBytes: count.optional(),
    maxWriteBytes: count.optional(),
    maxResults: count.optional(),
    walkTimeoutMs: ms.optional(),
  },
  sql: {
    database: nonEmpty('expected a postgres:// URL or an SQLite file path (or :memory:)'),
    seed: nonEmpty('expected the path of an SQL script').optional(),
    readOnly: bool.optional(),
    maxRows: count.optional(),
    maxBytes: count.optional(),
    statementTimeoutMs: ms.optional(),
  },
  openapi: {
    spec: nonEmpty('expected the path or http(s) URL of an OpenAPI 3.x document'),
    baseUrl: nonEmpty('expected an http(s) URL').optional(),
    allowedBaseUrls: z.array(nonEmpty('expected an http(s) URL prefix'), { error: 'expected a list of URL prefixes' }).optional(),
    allowPrivateNetwork: bool.optional(),
    auth: strict(
      {
        type: z.enum(['bearer', 'apiKey'], { error: 'expected bearer or apiKey' }),
        env: nonEmpty('expected the name of the environment variable holding the secret'),
        name: nonEmpty('expected the header or query parameter name').optional(),
        in: z.enum(['header', 'query'], { error: 'expected header or query' }).optional(),
      },
      'expected a mapping with type (bearer|apiKey), env and optional name/in',
    ).optional(),
    maxResponseBytes: count.optional(),
    requestTimeoutMs: ms.optional(),
  },
};
}

let schemas: Record<BuiltinKind, z.ZodType> | undefined;
function schemaOf(k: BuiltinKind): z.ZodType {
  if (!schemas) {
    const { namespace, enabled, timeoutMs, connectTimeoutMs, tools, tasks } = serverSchema.shape;
    const common = { namespace, enabled, timeoutMs, connectTimeoutMs, tools, tasks };
    const own = options();
    const make = (k: BuiltinKind) => strict({ builtin: kind, ...common, ...own[k] }, `expected a mapping with builtin and the ${k} server's settings`);
    schemas = { filesystem: make('filesystem'), sql: make('sql'), openapi: make('openapi') };
  }
  return schemas[k];
}

const isBuiltinEntry = (v: unknown): v is { builtin: unknown } => typeof v === 'object' && v !== null && !Array.isArray(v) && 'builtin' in v;

/** A server entry with `builtin:` is checked against that built-in's schema; any other against `server`. */
export function withBuiltins<S extends z.ZodType>(server: S) {
  return z.unknown().transform((v, ctx) => {
    let schema: z.ZodType = server;
    if (isBuiltinEntry(v)) {
      const parsedKind = kind.safeParse(v.builtin);
      if (!parsedKind.success) {
        ctx.addIssue({ code: 'custom', path: ['builtin'], message: `expected one of ${BUILTINS.join(', ')} (the reference servers that run in-process)` });
        return z.NEVER;
      }
      schema = schemaOf(parsedKind.data);
    }
    const r = schema.safeParse(v);
    if (r.success) return r.data as z.output<S> | RawBuiltin;
    for (const iss of r.error.issues) ctx.addIssue(iss as never);
    return z.NEVER;
  });
}

export type RawBuiltin = { builtin: BuiltinKind } & Record<string, unknown>;
export const isRawBuiltin = (v: unknown): v is RawBuiltin => isBuiltinEntry(v);

/** The options each built-in is constructed with. */
export type SqlBuiltinOptions = SqlOptions;
export interface OpenApiBuiltinOptions {
  spec: string;
  baseUrl?: string;
  allowedBaseUrls?: string[];
  allowPrivateNetwork?: boolean;
  auth?: { type: 'bearer' | 'apiKey'; env: string; name?: string; in?: 'header' | 'query' };
  maxResponseBytes?: number;
  requestTimeoutMs?: number;
}

export type BuiltinServerConfig = CommonServerConfig & { transport: 'builtin'; protocol?: string } & (
    | { builtin: 'filesystem'; options: FilesystemOptions }
    | { builtin: 'sql'; options: SqlBuiltinOptions }
    | { builtin: 'openapi'; options: OpenApiBuiltinOptions }
  );

const KEYS_OF_COMMON = new Set(['builtin', 'namespace', 'enabled', 'timeoutMs', 'connectTimeoutMs', 'tools', 'tasks']);

/** The built-in's own settings from a validated entry (gateway keys removed, names mapped to the server's options). */
export function builtinOptions(raw: RawBuiltin): BuiltinServerConfig['options'] {
  const own = Object.fromEntries(Object.entries(raw).filter(([k, v]) => !KEYS_OF_COMMON.has(k) && v !== undefined));
  if (raw.builtin !== 'filesystem') return own as unknown as BuiltinServerConfig['options'];
  const { root, walkTimeoutMs, ...rest } = own as { root: string[]; walkTimeoutMs?: number } & Record<string, unknown>;
  // Built-ins are read-only unless the config says otherwise: a gateway exposes them to every caller.
  return { readOnly: true, ...rest, roots: root, ...(walkTimeoutMs !== undefined && { timeoutMs: walkTimeoutMs }) } as FilesystemOptions;
}

/** Relative paths in built-ins' settings are taken from the config file's directory, not the working directory. */
export function resolveBuiltinPaths(config: GatewayConfig, baseDir: string): GatewayConfig {
  const abs = (p: string) => (isAbsolute(p) || p === ':memory:' || /^[a-z][a-z0-9+.-]*:\/\//i.test(p) ? p : resolve(baseDir, p));
  for (const s of Object.values(config.servers)) {
    if (s.transport !== 'builtin') continue;
    if (s.builtin === 'filesystem') s.options.roots = s.options.roots.map(abs);
    if (s.builtin === 'sql') {
      s.options.database = abs(s.options.database);
      if (s.options.seed) s.options.seed = abs(s.options.seed);
    }
    if (s.builtin === 'openapi') s.options.spec = abs(s.options.spec);
  }
  return config;
}
