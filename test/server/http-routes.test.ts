// Extra endpoints beside the MCP path: served after the Host/Origin check, method-checked, admin ones gated
// by `isAdmin`, a throwing handler answers 500 and the server keeps serving.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendJson } from '../../src/server/index.js';
import { type InProcess, startInProcess } from '../helpers/clients.js';
import { rawRequest } from '../helpers/http.js';

let srv: InProcess;
let admin = true;

beforeAll(async () => {
  srv = await startInProcess({
    isAdmin: () => admin,
    routes: [
      { method: 'GET', path: '/open', handle: (_req, res) => sendJson(res, 200, { open: true }) },
      { method: 'POST', path: '/admin/thing', admin: true, handle: (_req, res) => sendJson(res, 200, { done: true }) },
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

describe('routes', () => {
  it('serves an open route and answers 405 to another method', async () => {
    const ok = await rawRequest(`${srv.origin}/open`, { method: 'GET' });
    expect([ok.status, JSON.parse(ok.text)]).toEqual([200, { open: true }]);
    const wrong = await rawRequest(`${srv.origin}/open`, { method: 'POST' });
    expect([wrong.status, wrong.headers.allow]).toEqual([405, 'GET']);
  });

  it('gates admin routes on isAdmin', async () => {
    admin = false;
    const refused = await rawRequest(`${srv.origin}/admin/thing`, { method: 'POST' });
    expect(refused.status).toBe(403);
    admin = true;
    const allowed = await rawRequest(`${srv.origin}/admin/thing`, { method: 'POST' });
    expect([allowed.status, JSON.parse(allowed.text)]).toEqual([200, { done: true }]);
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
