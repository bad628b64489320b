// GET /metrics in the Prometheus text format: as a route beside the MCP path (admin-only by default), or on a
// listener of its own (`metrics.listen`) for a scraper on another network that holds no admin credential.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Metrics } from '../../middleware/metrics.js';
import type { HttpRoute } from './options.js';
import { sendJson } from './respond.js';

async function answer(m: Metrics, res: ServerResponse): Promise<void> {
  const { contentType, body } = await m.scrape();
  res.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** The route for `routes:` / `gateway.routes`. `admin` (default true): only callers `isAdmin` accepts may scrape. */
export function metricsRoute(m: Metrics, opts: { path?: string; admin?: boolean } = {}): HttpRoute {
  return { method: 'GET', path: opts.path ?? '/metrics', admin: opts.admin ?? true, handle: (_req, res) => answer(m, res) };
}

export interface MetricsListener {
  readonly url: string;
  close(): Promise<void>;
}

/** Serves only GET /metrics on host:port (port 0: ephemeral); bind it to an interface only the scraper reaches. */
export async function serveMetrics(m: Metrics, opts: { host?: string; port?: number; path?: string } = {}): Promise<MetricsListener> {
  const path = opts.path ?? '/metrics';
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if ((req.url ?? '/').split('?')[0] !== path) return sendJson(res, 404, { error: `Not found; metrics are at ${path}` });
    if (req.method !== 'GET') return sendJson(res, 405, { error: 'Method not allowed; use GET' }, { allow: 'GET' });
    answer(m, res).catch(() => {
      if (!res.headersSent) sendJson(res, 500, { error: 'Internal error' });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}${path}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
