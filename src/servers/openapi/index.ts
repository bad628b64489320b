// The OpenAPI reference server: an OpenAPI 3.x document becomes one tool per operation, calling the API with
// configured credentials, only at allowed base URLs, never internal addresses unless allowed, within limits.
import { ToolError, VERSION } from '../../core/index.js';
import { type CreateServerOptions, createServer, type McplexServer } from '../../server/index.js';
import { type CallSettings, send } from './http-call.js';
import { type Operation, operationsOf } from './operations.js';
import type { OpenApiOptions } from './options.js';
import { documentBaseUrl, loadDocument } from './spec.js';

export type { OpenApiOptions } from './options.js';

function settingsFrom(o: OpenApiOptions, docBase: string | undefined): CallSettings {
  const baseUrl = o.baseUrl ?? docBase;
  if (!baseUrl || !/^https?:\/\//i.test(baseUrl)) throw new Error('the OpenAPI server needs baseUrl (the document has no absolute servers[0].url)');
  const allowed = o.allowedBaseUrls ?? [baseUrl];
  if (!allowed.some((p) => baseUrl.startsWith(p))) throw new Error(`baseUrl ${baseUrl} is not under allowedBaseUrls; add it there or change baseUrl`);
  const authHeaders: Record<string, string> = {};
  const authQuery: Record<string, string> = {};
  if (o.auth) {
    const secret = (o.env ?? process.env)[o.auth.env];
    if (!secret) throw new Error(`auth.env names ${o.auth.env}, which is not set; export it before starting`);
    if (o.auth.type === 'bearer') authHeaders.authorization = `Bearer ${secret}`;
    else if (o.auth.in === 'query') authQuery[o.auth.name ?? 'api_key'] = secret;
    else authHeaders[(o.auth.name ?? 'X-API-Key').toLowerCase()] = secret;
  }
  return {
    baseUrl,
    allowed,
    allowPrivateNetwork: o.allowPrivateNetwork ?? false,
    authHeaders,
    authQuery,
    maxResponseBytes: o.maxResponseBytes ?? 1024 * 1024,
    timeoutMs: o.requestTimeoutMs ?? 30_000,
  };
}

/** A next-page hint from a `Link: <…>; rel="next"` header or a next-cursor field in the body. */
function nextPage(headers: Record<string, unknown>, body: unknown): string | undefined {
  const link = typeof headers.link === 'string' ? /<([^>]+)>\s*;\s*rel="?next"?/i.exec(headers.link)?.[1] : undefined;
  if (link) return link;
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    for (const key of ['next', 'nextCursor', 'next_cursor', 'nextPageToken', 'next_page_token']) {
      const v = (body as Record<string, unknown>)[key];
      if (typeof v === 'string' || typeof v === 'number') return `${key}=${v}`;
    }
  }
  return undefined;
}

function register(server: McplexServer, op: Operation, s: CallSettings): void {
  server.tool(
    op.tool,
    { description: op.description, input: op.inputSchema, ...(op.outputSchema && { output: op.outputSchema }), annotations: op.annotations },
    async (args, ctx) => {
      for (const r of (op.inputSchema.required as string[] | undefined) ?? []) {
        if ((args as Record<string, unknown>)[r] === undefined) throw new ToolError(`Missing required argument '${r}'`);
      }
      const res = await send(op, args as Record<string, unknown>, s, ctx.signal);
      const type = String(res.headers['content-type'] ?? '');
      const raw = res.body.toString('utf8');
      let body: unknown = raw;
      if (/json/.test(type) && raw) {
        try {
          body = JSON.parse(raw);
        } catch {
          body = raw;
        }
      }
      const ok = res.status >= 200 && res.status < 300;
      const shown = typeof body === 'string' ? body : JSON.stringify(body, null, 2);
      if (!ok) return { content: [{ type: 'text', text: `HTTP ${res.status} from ${op.method.toUpperCase()} ${op.path}:\n${shown}` }], isError: true };
      const next = nextPage(res.headers, body);
      const text = `${shown || `HTTP ${res.status}`}${next ? `\n\nMore results: ${next}` : ''}`;
      return {
        content: [{ type: 'text', text }],
        ...(op.outputSchema && { structuredContent: { status: res.status, body } }),
        ...(next && { _meta: { nextPage: next } }),
      };
    },
  );
}

/** Loads the document first (a file read or a fetch), so this is async. */
export async function createOpenApiServer(options: OpenApiOptions, serverOpts: Partial<CreateServerOptions> = {}): Promise<McplexServer> {
  const doc = await loadDocument(options.spec, { allowPrivateNetwork: options.allowPrivateNetwork ?? false, timeoutMs: options.requestTimeoutMs ?? 30_000 });
  const settings = settingsFrom(options, documentBaseUrl(doc, options.spec));
  const info = (doc.info ?? {}) as { title?: string; description?: string };
  const server = createServer({
    name: 'mcplex-openapi',
    version: VERSION,
    instructions: `Tools for the ${info.title ?? 'HTTP'} API at ${settings.baseUrl}.${info.description ? ` ${info.description}` : ''}`,
    ...serverOpts,
  });
  for (const op of operationsOf(doc)) register(server, op, settings);
  return server;
}
