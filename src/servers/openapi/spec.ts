// Loads an OpenAPI 3.x document (file or URL, JSON or YAML) and dereferences it with swagger-parser. External
// references stay on the document's side: a document fetched by URL may not read local files, nor a local one fetch URLs.
import type SwaggerParser from '@apidevtools/swagger-parser';
import { optionalModule } from '../../stores/optional-module.js';

const parser = optionalModule<typeof SwaggerParser>('@apidevtools/swagger-parser');

export async function loadDocument(spec: string, opts: { allowPrivateNetwork: boolean; timeoutMs: number }): Promise<Record<string, unknown>> {
  const remote = /^https?:\/\//i.test(spec);
  // The resolver's own guard (safeUrlResolver) keeps document fetches off internal addresses, as calls are.
  const http = { safeUrlResolver: !opts.allowPrivateNetwork, timeout: opts.timeoutMs };
  let doc: Record<string, unknown>;
  try {
    doc = (await parser().dereference(spec, { resolve: remote ? { file: false, http } : { http: false } } as never)) as unknown as Record<string, unknown>;
  } catch (err) {
    throw new Error(`cannot load the OpenAPI document ${spec}: ${(err as Error).message.split('\n')[0]}`);
  }
  if (typeof doc.openapi !== 'string' || !doc.openapi.startsWith('3.')) {
    throw new Error(`${spec} is not an OpenAPI 3.x document (found ${doc.swagger ? `Swagger ${String(doc.swagger)}` : 'no openapi version'}); convert it to 3.x`);
  }
  return doc;
}

/** The document's first server URL, made absolute against the document's own URL when it is relative. */
export function documentBaseUrl(doc: Record<string, unknown>, spec: string): string | undefined {
  const first = (doc.servers as Array<{ url?: string }> | undefined)?.[0]?.url;
  if (!first) return undefined;
  const remote = /^https?:\/\//i.test(spec);
  if (!/^https?:\/\//i.test(first)) return remote ? new URL(first, spec).href : undefined;
  // swagger-parser makes a relative `/v1` absolute against the document's URL but drops its port: put it back.
  const from = remote ? new URL(spec) : undefined;
  const url = new URL(first);
  if (from?.port && !url.port && url.protocol === from.protocol && url.hostname === from.hostname) url.port = from.port;
  return url.href;
}
