// An HTTP upstream that answers with more than 10 MiB in one message (a JSON response, or one event of an SSE
// stream) fails that call at once with an error saying so, instead of growing in the gateway's memory; the upstream
// stays up and its next answer of a sane size goes through. Both eras of upstream (a framework server on
// 127.0.0.1): 2026-07-28 answers in JSON, a 2025-era one that sends progress first answers on an SSE stream.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createServer, type HttpHandle, silentLogger } from '../../src/index.js';
import { http, type RunningGateway, startGateway, text } from './helpers/harness.js';

const MiB = 1024 * 1024;

describe('an upstream message larger than the cap', () => {
  let upstream: HttpHandle;
  let running: RunningGateway;

  beforeAll(async () => {
    const server = createServer({ name: 'big', version: '1.0.0', logger: silentLogger });
    server.tool('big', { description: 'answers with `mib` MiB of text, after a progress note', input: z.object({ mib: z.number() }) }, async ({ mib }, ctx) => {
      await ctx.progress(1, 2, 'building');
      return 'x'.repeat(mib * MiB);
    });
    upstream = await server.serveHttp({ port: 0, maxBufferedBytes: 64 * MiB });
    running = await startGateway([http('json', upstream.url, { protocol: '2026-07-28' }), http('sse', upstream.url, { protocol: '2025-11-25' })]);
  });
  afterAll(async () => {
    await running?.close();
    await upstream?.close();
  });

  for (const name of ['json', 'sse']) {
    it(`${name}: fails the call saying why; the upstream stays up`, async () => {
      const client = await running.connect('legacy');
      const big = await client.callTool({ name: `${name}__big`, arguments: { mib: 11 } }, { onprogress: () => {} }).catch((e: Error) => e);
      expect(big).toBeInstanceOf(Error);
      expect((big as Error).message).toMatch(/the upstream sent a message larger than 10485760 bytes/);
      expect(running.gateway.health().upstreams.find((u) => u.name === name)).toMatchObject({ state: 'up' });
      expect(text(await client.callTool({ name: `${name}__big`, arguments: { mib: 2 } }, { onprogress: () => {} }))).toHaveLength(2 * MiB);
    }, 30_000);
  }
});
