// The zod schemas for the file's shape: strict objects (unknown keys are errors with a hint), field types,
// and value formats. Rules that relate fields to each other live in validate.ts.
import { z } from 'zod';
import { PROTOCOL_REVISIONS } from '../../client/upstream-spec.js';
import { PROXY_HEADERS, TRUSTED_PROXIES_HINT, trustedProxiesProblem } from '../../server/index.js';
import { authSchema, tlsSchema } from './auth.js';
import { corsSchema } from './cors.js';
import { cacheSchema } from './cache.js';
import { clusterSchema } from './cluster.js';
import { pinningSchema } from './pinning.js';
import { toolSearchSchema } from './tool-search.js';
import { oauthSchema } from './oauth.js';
import { endpointsSchema } from './endpoints.js';
import { secretScanSchema } from './secret-scan.js';
import { hiddenTextSchema } from './hidden-text.js';
import { serverTasksSchema, tasksSchema } from './tasks.js';
import { auditSection } from './audit.js';
import { withBuiltins } from './builtin.js';
import { strict } from './hints.js';
import { overrides } from './tool-overrides.js';
import { upstreamAuthShape } from './upstream-auth.js';
import { observabilityShape } from './observability.js';
import { policySchema } from './policy.js';
import { resilienceSchema, serverResilienceShape } from './resilience.js';

/** Server names and namespaces end up inside tool names, so they keep to a safe alphabet. */
export const NAME = /^[A-Za-z0-9_-]+$/;
/** MCP's recommended tool-name alphabet and length. */
const TOOL_NAME = /^[A-Za-z0-9_.-]{1,128}$/;
export const SEPARATOR = /^[_.-]+$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const ENV_NAME = /^[^=\0]+$/;

// YAML leaves `${PORT:-7333}` a string and users write `port: "8080"`; numbers and booleans given as
// text are accepted where the meaning is unambiguous.
const toInt = (v: unknown) => (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : v);
export const toBool = (v: unknown) => (v === 'true' ? true : v === 'false' ? false : v);
const toText = (v: unknown) => (typeof v === 'number' || typeof v === 'boolean' ? String(v) : v);
/** `env:` with every entry commented out is YAML null; treat it as absent rather than an error. */
const nullToUndefined = (v: unknown) => (v === null ? undefined : v);

export const int = (min: number, max: number, msg: string) =>
  z.preprocess(toInt, z.number({ error: msg }).int({ error: msg }).min(min, { error: msg }).max(max, { error: msg }));
export const nonEmpty = (msg: string) => z.string({ error: msg }).min(1, { error: msg });
const text = (msg: string) => z.preprocess(toText, z.string({ error: msg }));

export function isHttpUrl(v: string): boolean {
  if (!URL.canParse(v)) return false;
  const u = new URL(v);
  return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
}

/** Values are checked by shape only and never quoted back: they may be secrets. */
function stringMap(keyOk: RegExp, badKey: string, valueOk: RegExp, badValue: string, expected: string) {
  const map = z.record(z.string(), text('expected a string value'), { error: expected }).superRefine((m, ctx) => {
    for (const [k, v] of Object.entries(m)) {
      if (!keyOk.test(k)) ctx.addIssue({ code: 'custom', path: [k], message: badKey });
      else if (!valueOk.test(v)) ctx.addIssue({ code: 'custom', path: [k], message: badValue });
    }
  });
  return z.preprocess(nullToUndefined, map.optional());
}

const rename = z
  .record(z.string(), z.string({ error: 'expected the new tool name' }).regex(TOOL_NAME, { error: "must be 1-128 letters, digits, '_', '-' or '.'" }), {
    error: 'expected a mapping of original tool name to new name',
  })
  .superRefine((m, ctx) => {
    const byTarget = new Map<string, string[]>();
    for (const [from, to] of Object.entries(m)) byTarget.set(to, [...(byTarget.get(to) ?? []), from]);
    for (const [to, froms] of byTarget) {
      if (froms.length < 2) continue;
      const quoted = froms.map((f) => `'${f}'`);
      const list = `${quoted.slice(0, -1).join(', ')} and ${quoted.at(-1)}`;
      ctx.addIssue({ code: 'custom', message: `${list} are ${froms.length === 2 ? 'both' : 'all'} renamed to '${to}'` });
    }
  });

const patterns = z.preprocess(
  (v) => (typeof v === 'string' ? [v] : v),
  z.array(nonEmpty('expected a glob pattern (a non-empty string)'), { error: 'expected a list of glob patterns' }),
);

const tools = strict(
  {
    include: patterns.optional(),
    exclude: patterns.optional(),
    rename: z.preprocess(nullToUndefined, rename.optional()),
    // false: this server's tools are not pinned (pinning, with a `pinning:` section, is on for every other server).
    pin: z.preprocess(toBool, z.boolean({ error: 'expected true or false' })).optional(),
    override: z.preprocess(nullToUndefined, overrides.optional()),
    // Invisible characters in definitions (hidden-text.ts): taken out of descriptions (strip, the default), the
    // definition withheld, or served as the server wrote it.
    hiddenText: z.enum(['strip', 'withhold', 'allow'], { error: 'expected strip, withhold or allow' }).optional(),
  },
  'expected a mapping with include, exclude, rename, override, pin and/or hiddenText',
);

export const TRANSPORTS = ['stdio', 'http', 'streamable-http', 'sse'] as const;
const transport = z.enum(TRANSPORTS, { error: `expected one of ${TRANSPORTS.join(', ')}` });
const ms = int(1, 2_147_483_647, 'expected a positive integer (milliseconds)');
const count = int(1, Number.MAX_SAFE_INTEGER, 'expected a positive integer');
const names = (msg: string) =>
  z.preprocess((v) => (typeof v === 'string' ? [v] : v), z.array(nonEmpty('expected a non-empty name'), { error: msg }).min(1, { error: msg }));
export const READINESS_DETAIL = ['local', 'full', 'minimal'] as const;

export const serverSchema = strict(
  {
    transport: transport.optional(),
    type: transport.optional(),
    command: nonEmpty('expected the command to run (a non-empty string)').optional(),
    args: z.preprocess(nullToUndefined, z.array(text('expected a string'), { error: 'expected a list of strings (one argument per item)' }).optional()),
    env: stringMap(ENV_NAME, 'not a valid environment variable name', /^[^\0]*$/, 'must not contain NUL characters', 'expected a mapping of variable name to value'),
    cwd: nonEmpty('expected a directory path').optional(),
    envFile: nonEmpty('expected the path of a file of NAME=value lines (relative to the config file)').optional(),
    watch: z.preprocess(
      (v) => (typeof v === 'string' ? [v] : v),
      z.array(nonEmpty('expected a path or glob pattern'), { error: "expected a path or glob pattern, or a list of them (files whose change restarts the server; '!' before one leaves those out)" }).min(1, { error: 'expected at least one path or glob pattern' }),
    ).optional(),
    url: z.string({ error: 'must be an http(s) URL' }).refine(isHttpUrl, { error: 'must be an http(s) URL' }).optional(),
    headers: stringMap(HEADER_NAME, 'not a valid HTTP header name', /^[^\r\n\0]*$/, 'must not contain line breaks', 'expected a mapping of header name to value'),
    namespace: z
      .custom<string | false>((v) => v === false || typeof v === 'string', { error: 'expected a name, or false to mount at the root' })
      .refine((v) => v === false || NAME.test(v), { error: "may only contain letters, digits, '_' and '-' (or write false to mount at the root)" })
      .optional(),
    enabled: z.preprocess(toBool, z.boolean({ error: 'expected true or false' })).optional(),
    timeoutMs: ms.optional(),
    connectTimeoutMs: ms.optional(),
    protocol: z.enum(['auto', ...PROTOCOL_REVISIONS], { error: `expected auto or one of ${PROTOCOL_REVISIONS.join(', ')}` }).optional(),
    maxMessageBytes: count.optional(),
    tasks: serverTasksSchema.optional(),
    tools: z.preprocess(nullToUndefined, tools.optional()),
    ...upstreamAuthShape,
    ...serverResilienceShape,
  },
  'expected a mapping with command (stdio) or url (http/sse)',
);

const servers = z.preprocess(
  (v) => (v === null ? {} : v),
  z.record(z.string(), withBuiltins(serverSchema), { error: 'expected a mapping of server name to server config' }),
);

export const configSchema = strict(
  {
    listen: strict(
      {
        host: nonEmpty('expected a host name or IP address').optional(),
        port: int(0, 65535, 'expected an integer 0-65535').optional(),
        path: z.string({ error: "must start with '/' (e.g. /mcp)" }).startsWith('/', { error: "must start with '/' (e.g. /mcp)" }).optional(),
        allowedHosts: names('expected a list of host names (e.g. [localhost, gateway.internal])').optional(),
        allowedOrigins: names("expected a list of origin host names, or ['*'] for any").optional(),
        cors: corsSchema.optional(),
        legacySse: z.boolean({ error: 'expected true or false (serve the legacy HTTP+SSE transport at /sse and /messages)' }).optional(),
        maxBodyBytes: count.optional(),
        maxBufferedBytes: count.optional(),
        maxSessions: count.optional(),
        maxSessionsPerClient: count.optional(),
        trustedProxies: z
          .array(z.string({ error: TRUSTED_PROXIES_HINT }), { error: TRUSTED_PROXIES_HINT })
          .superRefine((list, ctx) => {
            const problem = trustedProxiesProblem(list);
            if (problem) ctx.addIssue({ code: 'custom', message: problem });
          })
          .optional(),
        proxyHeaders: z.enum(PROXY_HEADERS, { error: `expected ${PROXY_HEADERS.join(' or ')} (the headers the trusted proxies write)` }).optional(),
        sessionIdleTtlMs: ms.optional(),
        maxInflightPerSession: count.optional(),
        maxBatchSize: count.optional(),
        maxConnections: count.optional(),
        maxListenStreams: count.optional(),
        headersTimeoutMs: ms.optional(),
        requestTimeoutMs: ms.optional(),
        keepAliveTimeoutMs: ms.optional(),
        streamKeepAliveMs: ms.optional(),
        drainMs: ms.optional(),
        readinessDetail: z.enum(READINESS_DETAIL, { error: `expected one of ${READINESS_DETAIL.join(', ')}` }).optional(),
        tls: tlsSchema.optional(),
      },
      'expected a mapping with host, port, path and the HTTP limits',
    ).optional(),
    auth: authSchema.optional(),
    separator: z.string({ error: "expected a non-empty string of '_', '-' or '.' (e.g. '__')" }).regex(SEPARATOR, { error: "expected a non-empty string of '_', '-' or '.' (e.g. '__')" }).optional(),
    servers: servers.optional(),
    mcpServers: servers.optional(),
    resilience: resilienceSchema.optional(),
    roots: z
      .array(
        strict(
          {
            uri: z.string({ error: 'expected a file:// URI' }).startsWith('file://', { error: 'expected a file:// URI (e.g. file:///srv/data)' }),
            name: z.string({ error: 'expected a display name' }).optional(),
          },
          'expected a mapping with uri and optional name',
        ),
        { error: 'expected a list of roots ({ uri, name })' },
      )
      .optional(),
    ...observabilityShape,
    policy: policySchema.optional(),
    cache: cacheSchema.optional(),
    audit: auditSection,
    cluster: clusterSchema.optional(),
    pinning: pinningSchema.optional(),
    toolSearch: toolSearchSchema.optional(),
    endpoints: endpointsSchema.optional(),
    secretScan: secretScanSchema.optional(),
    hiddenText: hiddenTextSchema.optional(),
    tasks: tasksSchema.optional(),
    oauth: oauthSchema.optional(),
  },
  'expected a mapping with listen, separator and servers',
);

export type RawConfig = z.infer<typeof configSchema>;
export type RawServer = z.infer<typeof serverSchema>;
export type { RawBuiltin } from './builtin.js';
