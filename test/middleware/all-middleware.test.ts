// The bench's "mcplex-full" list (allMiddleware) in a framework server with API-key authentication, as the bench
// runs it: every request passes tracing, metrics, audit, policy, cache and resilience in both eras and answers as
// it would without them; a caller without the key is refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createAuthenticator, createServer, type HttpHandle, newApiKey, silentLogger } from '../../src/index.js';
import { allMiddleware } from '../../src/middleware/all.js';
import { connectHttp, type EraName } from '../helpers/clients.js';
import { connectWith } from './auth-fixture.js';

const KEY = newApiKey();

describe('allMiddleware()', () => {
  let handle: HttpHandle;
  beforeAll(async () => {
    const server = createServer({ name: 'full', version: '1.0.0', logger: silentLogger });
    server.use(...allMiddleware());
    server.tool('echo', { description: 'echo', input: z.object({ text: z.string() }) }, ({ text }, ctx) => `${text} ${ctx.meta.traceparent ?? ''}`);
    handle = await server.serveHttp({ auth: createAuthenticator({ apiKeys: { [KEY.hash]: { id: 'bench', scopes: ['tools'] } } }) });
  });
  afterAll(() => handle?.close());

  for (const era of ['legacy', 'modern'] as EraName[]) {
    it(`runs tracing and metrics around a call (${era})`, async () => {
      // Without the key: refused at the edge (the legacy client sees the 401 on initialize, the modern one on discover).
      await expect(connectHttp(handle.url, era)).rejects.toThrow(era === 'legacy' ? /Authentication required/ : /negotiation failed/);
      const client = await connectWith(handle.url, era, { authorization: `Bearer ${KEY.key}` });
      try {
        const parent = `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`;
        const res = await client.callTool({ name: 'echo', arguments: { text: 'hi' }, _meta: { traceparent: parent } });
        expect((res.content as Array<{ text: string }>)[0]!.text).toBe(`hi ${parent}`);
        await expect(client.callTool({ name: 'nope', arguments: {} })).rejects.toThrow(/nope/);
      } finally {
        await client.close();
      }
    });
  }
});
