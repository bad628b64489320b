// The admin page: GET /admin/ui (and /admin/ui.js, /admin/ui.css), a static page in the package's admin-ui/ folder
// that reads the admin endpoints from the browser. The page holds no data, so it is served to anyone past the
// Host/Origin check; what it shows comes from the admin routes, which ask for the admin scope once auth is on.
// Its policy allows only its own script and style, and its data only from this origin.
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpRoute } from '../server/index.js';

const ASSETS = new URL('../../admin-ui/', import.meta.url);

const HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

function asset(path: string, file: string, type: string): HttpRoute {
  const body = readFileSync(new URL(file, ASSETS));
  return {
    method: 'GET',
    path,
    handle(_req: IncomingMessage, res: ServerResponse) {
      res.writeHead(200, { ...HEADERS, 'content-type': type, 'content-length': body.length });
      res.end(body);
    },
  };
}

/**
 * `/admin` and `/admin/` lead to the page, by a relative reference (a proxy's path prefix stays in the browser's URL;
 * the page's own references are relative too).
 */
const toPage = (path: string): HttpRoute => ({
  method: 'GET',
  path,
  handle(_req: IncomingMessage, res: ServerResponse) {
    res.writeHead(302, { location: path.endsWith('/') ? 'ui' : 'admin/ui', 'cache-control': 'no-cache' });
    res.end();
  },
});

export function adminUiRoutes(): HttpRoute[] {
  return [
    toPage('/admin'),
    toPage('/admin/'),
    asset('/admin/ui', 'index.html', 'text/html; charset=utf-8'),
    asset('/admin/ui.js', 'ui.js', 'text/javascript; charset=utf-8'),
    asset('/admin/ui.css', 'ui.css', 'text/css; charset=utf-8'),
  ];
}
