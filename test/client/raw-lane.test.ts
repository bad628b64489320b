// The direct request path to a 2025-era stdio upstream (RawLane) against a real child process: results, errors,
// progress, timeout and cancellation (both reach the server as notifications/cancelled), a crash mid-call, and
// the SDK client still working on the same connection.
import { ProtocolError, SdkError, SdkErrorCode } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import { RawLane } from '../../src/client/raw-lane.js';
import { capturingLogger, connectEcho, echoTransport } from './helpers.js';

type Text = { content: Array<{ text: string }> };
const text = (r: unknown) => (r as Text).content[0]?.text;

describe('RawLane', () => {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  async function lane() {
    const transport = echoTransport(capturingLogger());
    const echo = await connectEcho(transport);
    closers.push(echo.close);
    expect(echo.client.getProtocolEra()).toBe('legacy');
    return { ...echo, raw: new RawLane(transport) };
  }

  it('forwards calls and returns results untouched, alongside SDK requests on the same connection', async () => {
    const { client, raw } = await lane();
    const [a, b, listed] = await Promise.all([
      raw.request('tools/call', { name: 'echo', arguments: { text: 'one' } }, { timeoutMs: 5000 }),
      raw.request('tools/call', { name: 'echo', arguments: { text: 'two' } }, { timeoutMs: 5000 }),
      client.listTools(),
    ]);
    expect([text(a), text(b)]).toEqual(['echo: one', 'echo: two']);
    expect(listed.tools.map((t) => t.name)).toContain('wait');
    expect(raw.inflight).toBe(0);
  });

  it('turns a JSON-RPC error into the SDK ProtocolError with its code', async () => {
    const { raw } = await lane();
    const err = await raw.request('no/such/method', {}, { timeoutMs: 5000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProtocolError);
    expect((err as ProtocolError).code).toBe(-32601);
  });

  it('delivers progress in order, keyed by its own token', async () => {
    const { raw } = await lane();
    const seen: unknown[] = [];
    const result = await raw.request('tools/call', { name: 'progress', arguments: { n: 3 } }, { timeoutMs: 5000, onprogress: (p) => seen.push(p) });
    expect(text(result)).toBe('done 3');
    expect(seen).toEqual([1, 2, 3].map((i) => ({ progress: i, total: 3, message: `step ${i}` })));
  });

  it('times out with the SDK timeout error and tells the server to stop', async () => {
    const { client, raw } = await lane();
    const err = await raw.request('tools/call', { name: 'wait', arguments: { ms: 30_000 } }, { timeoutMs: 200 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SdkError);
    expect((err as SdkError).code).toBe(SdkErrorCode.RequestTimeout);
    await expect.poll(async () => text(await client.callTool({ name: 'cancelled', arguments: {} })), { timeout: 3000 }).toBe('1');
  });

  it('is cancelled by the caller signal, which the server hears about', async () => {
    const { client, raw } = await lane();
    const ac = new AbortController();
    const pending = raw.request('tools/call', { name: 'wait', arguments: { ms: 30_000 } }, { timeoutMs: 10_000, signal: ac.signal });
    // Abort once the call reached the server's handler, so the cancellation has something to cancel.
    await expect.poll(async () => text(await client.callTool({ name: 'started', arguments: {} })), { timeout: 5000 }).toBe('1');
    ac.abort(new Error('caller went away'));
    await expect(pending).rejects.toThrow('caller went away');
    await expect.poll(async () => text(await client.callTool({ name: 'cancelled', arguments: {} })), { timeout: 3000 }).toBe('1');
    expect(raw.inflight).toBe(0);
  });

  it('fails calls in flight with ConnectionClosed when the process dies, and refuses new ones', async () => {
    const { raw, closed } = await lane();
    const waiting = raw.request('tools/call', { name: 'wait', arguments: { ms: 30_000 } }, { timeoutMs: 10_000 }).catch((e: unknown) => e);
    await raw.request('tools/call', { name: 'crash', arguments: {} }, { timeoutMs: 10_000 }).catch(() => undefined);
    await closed;
    const err = await waiting;
    expect((err as SdkError).code).toBe(SdkErrorCode.ConnectionClosed);
    await expect(raw.request('tools/call', { name: 'echo', arguments: { text: 'x' } }, { timeoutMs: 1000 })).rejects.toMatchObject({ code: SdkErrorCode.NotConnected });
  });
});
