// Extra endpoints beside the MCP path: served after the Host/Origin check, method-checked, admin ones gated
// by `isAdmin`, a throwing handler answers 500 and the server keeps serving; admin requests that may change
// something are reported to `onAdminChange` once answered (with the body the route read), reads are not; an admin
// change whose body is not named JSON is refused 415 (a browser sends text/plain cross-site without asking); a path
// under /admin/ that is none is answered 404 with the admin endpoints there are.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdminAuditEvent } from '../../src/middleware/audit.js';
import { readJsonBody, sendJson } from '../../src/server/index.js';
import { type InProcess, startInProcess } from '../helpers/clients.js';
import { rawRequest } from '../helpers/http.js';

let srv: InProcess;
let admin = true;
const changes: AdminAuditEvent[] = [];

beforeAll(async () => {
  srv = await startInProcess({
    isAdmin: () => admin,
    onAdminChange: (change) => changes.push(change),
    routes: [
      { method: 'GET', path: '/open', handle: (_req, res) => sendJson(res, 200, { open: true }) },
      { method: 'POST', path: '/note', handle: (_req, res) => sendJson(res, 200, { noted: true }) },
      { method: 'POST', path: '/admin/thing', admin: true, handle: (_req, res) => sendJson(res, 200, { done: true }) },
      { method: 'GET', path: '/admin/look', admin: true, handle: (_req, res) => sendJson(res, 200, { seen: true }) },
      {
        method: 'PUT',
        path: '/admin/set',
        admin: true,
        async handle(req, res) {
          const read = await readJsonBody(req, 1024, 4);
          if (!read.ok) return sendJson(res, read.status, { error: read.message });
          if ((read.value as { fail?: boolean }).fail) throw new Error('cannot set');
          sendJson(res, 200, { set: read.value });
        },
      },
      {
        method: 'GET',
        path: '/broken',
        handle: () => {
          throw new Error('boom');
        },
      },
    ],
  });
});
afterAll(() => srv?.close());

const json = { 'content-type': 'application/json' };

describe('routes', () => {
  it('serves an open route and answers 405 to another method', async () => {
    const ok = await rawRequest(`${srv.origin}/open`, { method: 'GET' });
    expect([ok.status, JSON.parse(ok.text)]).toEqual([200, { open: true }]);
    const wrong = await rawRequest(`${srv.origin}/open`, { method: 'POST' });
    expect([wrong.status, wrong.headers.allow]).toEqual([405, 'GET']);
  });

  it('gates admin routes on isAdmin', async () => {
    admin = false;
    const refused = await rawRequest(`${srv.origin}/admin/thing`, { method: 'POST', headers: json, body: '{}' });
    expect(refused.status).toBe(403);
    admin = true;
    const allowed = await rawRequest(`${srv.origin}/admin/thing`, { method: 'POST', headers: json, body: '{}' });
    expect([allowed.status, JSON.parse(allowed.text)]).toEqual([200, { done: true }]);
  });

  it('refuses an admin change whose body is not named JSON, before the route runs', async () => {
    changes.length = 0;
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', undefined]) {
      const res = await rawRequest(`${srv.origin}/admin/thing`, { method: 'POST', headers: type ? { 'content-type': type } : {}, body: '{}' });
      expect([res.status, JSON.parse(res.text)]).toEqual([415, { error: 'Unsupported Media Type: Content-Type must be application/json' }]);
    }
    expect(changes.map((c) => [c.path, c.status])).toEqual([['/admin/thing', 415], ['/admin/thing', 415], ['/admin/thing', 415]]);
    // A route that is not an admin one reads what it likes.
    expect((await rawRequest(`${srv.origin}/note`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' })).status).toBe(200);
  });

  it('answers an unknown path under /admin/ with the admin endpoints there are', async () => {
    const res = await rawRequest(`${srv.origin}/admin/status`, { method: 'GET' });
    expect([res.status, JSON.parse(res.text)]).toEqual([
      404,
      { error: 'Not found: no admin endpoint at /admin/status (the admin endpoints are listed in endpoints)', endpoints: ['POST /admin/thing', 'GET /admin/look', 'PUT /admin/set'] },
    ]);
    const elsewhere = await rawRequest(`${srv.origin}/status`, { method: 'GET' });
    expect([elsewhere.status, JSON.parse(elsewhere.text)]).toEqual([404, { error: 'Not found; the MCP endpoint is /mcp' }]);
  });

  it('answers 500 when a handler throws, and keeps serving', async () => {
    const res = await rawRequest(`${srv.origin}/broken`, { method: 'GET' });
    expect(res.status).toBe(500);
    expect(await srv.stillServing()).toBeTruthy();
  });

  it('still refuses a forged Host on a route', async () => {
    const res = await rawRequest(`${srv.origin}/open`, { method: 'GET', headers: { host: 'evil.example' } });
    expect(res.status).toBe(403);
  });
});

describe('admin changes', () => {
  const put = (body: string) => rawRequest(`${srv.origin}/admin/set`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body });

  it('reports each answered admin request but a GET, with its status and the body the route read', async () => {
    changes.length = 0;
    expect((await put('{"level":"debug"}')).status).toBe(200);
    expect((await put('{"fail":true}')).status).toBe(500);
    expect((await put('{not json')).status).toBe(400);
    admin = false;
    expect((await put('{"level":"trace"}')).status).toBe(403);
    admin = true;
    // Reads, and routes that are not admin ones, are not reported.
    expect((await rawRequest(`${srv.origin}/admin/look`, { method: 'GET' })).status).toBe(200);
    expect((await rawRequest(`${srv.origin}/note`, { method: 'POST' })).status).toBe(200);
    expect(changes.map((c) => [c.method, c.path, c.status, c.body, c.principal.id])).toEqual([
      ['PUT', '/admin/set', 200, { level: 'debug' }, 'anonymous'],
      ['PUT', '/admin/set', 500, { fail: true }, 'anonymous'],
      ['PUT', '/admin/set', 400, undefined, 'anonymous'],
      // Refused before the route ran: its body was never read.
      ['PUT', '/admin/set', 403, undefined, 'anonymous'],
    ]);
    expect(changes.every((c) => c.startedAt > 0 && c.durationMs >= 0)).toBe(true);
  });
});
