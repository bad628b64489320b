// The Headers handlers see (`ctx.http.headers`) read node's parsed headers directly; they must answer as a real
// web Headers built from the same request would, including after a change.
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { requestInfo } from '../../src/server/http/request-info.js';

const req = (headers: IncomingMessage['headers']) => ({ headers }) as IncomingMessage;

describe('requestInfo().headers', () => {
  const raw = { 'content-type': 'application/json', 'x-many': ['a', 'b'], 'set-cookie': ['s=1', 't=2'], traceparent: '00-abc' };
  const real = new Headers([['content-type', 'application/json'], ['x-many', 'a'], ['x-many', 'b'], ['set-cookie', 's=1'], ['set-cookie', 't=2'], ['traceparent', '00-abc']]);

  it('answers get and has as Headers does, in any letter case', () => {
    const h = requestInfo(req(raw)).headers;
    for (const name of ['content-type', 'Content-Type', 'X-Many', 'set-cookie', 'traceparent', 'absent']) {
      expect(h.get(name)).toBe(real.get(name));
      expect(h.has(name)).toBe(real.has(name));
    }
  });

  it('iterates, lists set-cookie and takes changes as Headers does', () => {
    const h = requestInfo(req(raw)).headers;
    expect([...h]).toEqual([...real]);
    expect(h.getSetCookie()).toEqual(['s=1', 't=2']);
    const seen: string[] = [];
    h.forEach((value, key, parent) => {
      seen.push(`${key}=${value}`);
      expect(parent).toBe(h);
    });
    expect(seen).toContain('x-many=a, b');
    h.set('traceparent', '00-def');
    h.delete('content-type');
    expect(h.get('traceparent')).toBe('00-def');
    expect(h.has('content-type')).toBe(false);
  });
});
