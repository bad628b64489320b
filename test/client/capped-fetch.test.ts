// cappedFetch's stream handling, chunk by chunk: SSE events pass whole whatever the chunking (LF and CRLF blank
// lines split anywhere), an event past the cap is dropped (none of it passed on: events are held until they end)
// and the requests of that POST get an error event each;
// a JSON body past the cap (or declaring more in Content-Length) fails. The gateway test
// (test/gateway/upstream-message-cap.test.ts) covers the same against a real upstream.
import { describe, expect, it } from 'vitest';
import { cappedFetch, MessageTooLargeError } from '../../src/client/capped-fetch.js';

const enc = new TextEncoder();
/** A fetch answering with these chunks (split where the strings split) and this content type. */
const serving = (chunks: string[], type: string, headers: Record<string, string> = {}) => async () =>
  new Response(new ReadableStream({ start(c) { for (const s of chunks) c.enqueue(enc.encode(s)); c.close(); } }), { headers: { 'content-type': type, ...headers } });
/** What a reader sees, chunk by chunk, as text. */
async function read(res: Response): Promise<string[]> {
  const out: string[] = [];
  const dec = new TextDecoder();
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) out.push(dec.decode(chunk));
  return out;
}

describe('cappedFetch', () => {
  it('passes SSE events whole, split anywhere, with LF or CRLF blank lines', async () => {
    const fetch = cappedFetch(serving(['data: a', 'b\n', '\ndata: c\r\n', '\r', '\ndata: d\n\n'], 'text/event-stream'), 100);
    expect((await read(await fetch('http://x'))).join('')).toBe('data: ab\n\ndata: c\r\n\r\ndata: d\n\n');
  });

  it("drops an SSE event past the cap and answers the POST's requests with an error", async () => {
    const body = JSON.stringify([{ jsonrpc: '2.0', id: 7, method: 'tools/call', params: {} }, { jsonrpc: '2.0', method: 'notifications/x' }]);
    const fetch = cappedFetch(serving(['data: small\n\n', `data: ${'x'.repeat(60)}`, 'y'.repeat(60), '\n\n', 'data: after\n\n'], 'text/event-stream'), 100);
    const text = (await read(await fetch('http://x', { method: 'POST', body }))).join('');
    expect(text).toContain('data: small\n\n');
    expect(text).not.toContain('xxxx');
    expect(text).not.toContain('after');
    const error = JSON.parse(/data: (\{.*\})\n\n$/.exec(text)![1]!);
    expect(error).toEqual({ jsonrpc: '2.0', id: 7, error: { code: -32603, message: 'Internal error: the upstream sent a message larger than 100 bytes' } });
  });

  it('fails a JSON body past the cap, or one that declares more', async () => {
    const big = cappedFetch(serving(['{"a":"', 'x'.repeat(80), '"}'], 'application/json'), 50);
    await expect((await big('http://x')).text()).rejects.toBeInstanceOf(MessageTooLargeError);
    await expect(cappedFetch(serving(['{}'], 'application/json', { 'content-length': '500' }), 50)('http://x')).rejects.toThrow(/larger than 50 bytes/);
    expect(await (await cappedFetch(serving(['{"ok":', 'true}'], 'application/json'), 50)('http://x')).json()).toEqual({ ok: true });
  });
});
