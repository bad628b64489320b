// The bench's "mcplex-full" list (allMiddleware) in a framework server: every request passes tracing (recording,
// exporter discarding) and metrics in both eras, and answers as it would without them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createServer, type HttpHandle, silentLogger } from '../../src/index.js';
import { allMiddleware } from '../../src/middleware/index.js';
import { connectHttp, type EraName } from '../helpers/clients.js';

describe('allMiddleware()', () => {
  let handle: HttpHandle;
  beforeAll(async () => {
    const server = createServer({ name: 'full', version: '1.0.0', logger: silentLogger });
    server.use(...allMiddleware());
    server.tool('echo', { description: 'echo', input: z.object({ text: z.string() }) }, ({ text }, ctx) => `${text} ${ctx.meta.traceparent ?? ''}`);
    handle = await server.serveHttp();
  });
  afterAll(() => handle?.close());

  for (const era of ['legacy', 'modern'] as EraName[]) {
    it(`runs tracing and metrics around a call (${era})`, async () => {
      const client = await connectHttp(handle.url, era);
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
