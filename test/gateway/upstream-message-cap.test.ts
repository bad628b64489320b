// An upstream that answers with more than 10 MiB in one message (a stdio line, a JSON response, one event of an SSE
// stream) fails that call at once with an error saying so, instead of growing in the gateway's memory or leaving
// the call to its timeout; the upstream stays up and its next answer of a sane size goes through. A framework
// server over stdio (2025 era, and its answer read through the raw lane), and on 127.0.0.1 over HTTP in both eras:
// 2026-07-28 answers in JSON, a 2025-era one that sends progress first answers on an SSE stream. A server's
// `maxMessageBytes` sets its own cap.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpHandle } from '../../src/index.js';
import { tsxArgs } from '../helpers/process.js';
import { bigServer } from './fixtures/big-upstream.js';
import { http, type RunningGateway, startGateway, stdio, text } from './helpers/harness.js';

const MiB = 1024 * 1024;

describe('an upstream message larger than the cap', () => {
  let upstream: HttpHandle;
  let running: RunningGateway;

  beforeAll(async () => {
    upstream = await bigServer().serveHttp({ port: 0, maxBufferedBytes: 64 * MiB });
    const overStdio = stdio('stdio', process.execPath, tsxArgs(new URL('./fixtures/big-upstream.ts', import.meta.url).pathname));
    running = await startGateway([http('json', upstream.url, { protocol: '2026-07-28' }), http('sse', upstream.url, { protocol: '2025-11-25' }), overStdio]);
  });
  afterAll(async () => {
    await running?.close();
    await upstream?.close();
  });

  for (const name of ['json', 'sse', 'stdio']) {
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

describe('a server’s own cap (`maxMessageBytes`)', () => {
  let upstream: HttpHandle;
  let running: RunningGateway;
  const cap = { maxMessageBytes: MiB };

  beforeAll(async () => {
    upstream = await bigServer().serveHttp({ port: 0, maxBufferedBytes: 64 * MiB });
    const overStdio = stdio('stdio', process.execPath, tsxArgs(new URL('./fixtures/big-upstream.ts', import.meta.url).pathname), cap);
    running = await startGateway([http('json', upstream.url, { protocol: '2026-07-28', ...cap }), http('sse', upstream.url, { protocol: '2025-11-25', ...cap }), overStdio]);
  });
  afterAll(async () => {
    await running?.close();
    await upstream?.close();
  });

  for (const name of ['json', 'sse', 'stdio']) {
    it(`${name}: a 2 MiB answer is over a 1 MiB cap; half a MiB goes through`, async () => {
      const client = await running.connect('legacy');
      const big = await client.callTool({ name: `${name}__big`, arguments: { mib: 2 } }, { onprogress: () => {} }).catch((e: Error) => e);
      expect((big as Error).message).toMatch(/the upstream sent a message larger than 1048576 bytes/);
      expect(text(await client.callTool({ name: `${name}__big`, arguments: { mib: 0.5 } }, { onprogress: () => {} }))).toHaveLength(MiB / 2);
    }, 30_000);
  }
});
