// A bound on what an HTTP upstream may send in one message, as the stdio transport bounds a line: a JSON response
// body, or one event of an SSE stream (a stream itself may run for hours), larger than the cap does not grow in the
// gateway's memory. A JSON body over the cap fails its request; on an SSE stream the oversize event is dropped and
// each request the stream answers gets a JSON-RPC error saying why (a stream that just ended would leave its
// requests waiting for their timeout), then the stream ends.
export type Fetch = (url: string | URL, init?: RequestInit) => Promise<Response>;

/** The default cap: as a stdio upstream's line (10 MiB). */
export const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

export class MessageTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`the upstream sent a message larger than ${limit} bytes`);
    this.name = 'MessageTooLargeError';
  }
}

/** The error response a request gets in place of an answer larger than `limit` (HTTP and stdio alike). */
export function tooLargeAnswer(id: unknown, limit: number): { jsonrpc: '2.0'; id: unknown; error: { code: number; message: string } } {
  return { jsonrpc: '2.0', id, error: { code: -32603, message: `Internal error: ${new MessageTooLargeError(limit).message}` } };
}

const LF = 0x0a;
const CR = 0x0d;
const encoder = new TextEncoder();

/** Counts bytes over the whole body; past `limit` the body fails. */
function cappedBody(body: ReadableStream<Uint8Array>, limit: number): ReadableStream<Uint8Array> {
  let size = 0;
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        size += chunk.byteLength;
        if (size > limit) controller.error(new MessageTooLargeError(limit));
        else controller.enqueue(chunk);
      },
    }),
  );
}

/**
 * Passes an SSE stream on whole events only (a blank line ends one: "\n\n" or "\n\r\n"), holding at most `limit`
 * bytes of the event being read. An event past `limit` is dropped, the requests the stream answers (`answered`, read
 * only then) get an error event each, and the stream ends.
 */
function cappedEvents(body: ReadableStream<Uint8Array>, limit: number, answered: () => unknown[]): ReadableStream<Uint8Array> {
  let held: Uint8Array[] = [];
  let size = 0;
  // The last two bytes of the chunks before (-1: none yet).
  let [prev1, prev2] = [-1, -1];
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        const n = chunk.byteLength;
        let after = -1;
        for (let i = chunk.indexOf(LF); i !== -1; i = chunk.indexOf(LF, i + 1)) {
          const b1 = i >= 1 ? chunk[i - 1] : prev1;
          const b2 = i >= 2 ? chunk[i - 2] : i === 1 ? prev1 : prev2;
          if (b1 === LF || (b1 === CR && b2 === LF)) after = i + 1;
        }
        if (n >= 2) [prev1, prev2] = [chunk[n - 1]!, chunk[n - 2]!];
        else if (n === 1) [prev1, prev2] = [chunk[0]!, prev1];
        if (after === -1) {
          held.push(chunk);
          size += n;
        } else {
          for (const h of held) controller.enqueue(h);
          controller.enqueue(chunk.subarray(0, after));
          held = after < n ? [chunk.subarray(after)] : [];
          size = n - after;
        }
        if (size <= limit) return;
        held = [];
        for (const id of answered()) controller.enqueue(encoder.encode(`event: message\ndata: ${JSON.stringify(tooLargeAnswer(id, limit))}\n\n`));
        controller.terminate();
      },
      flush(controller) {
        for (const h of held) controller.enqueue(h);
      },
    }),
  );
}

/** The ids of the requests a POST body carries (one message or a batch). */
function requestIds(body: RequestInit['body'] | undefined): unknown[] {
  if (typeof body !== 'string') return [];
  try {
    const parsed: unknown = JSON.parse(body);
    return (Array.isArray(parsed) ? parsed : [parsed]).flatMap((m) => (m && typeof m === 'object' && 'method' in m && 'id' in m ? [(m as { id: unknown }).id] : []));
  } catch {
    return [];
  }
}

/** `inner` with each response's body bounded to `limit` bytes a message. */
export function cappedFetch(inner: Fetch, limit = MAX_MESSAGE_BYTES): Fetch {
  return async (url, init) => {
    const res = await inner(url, init);
    if (!res.body) return res;
    const declared = Number(res.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > limit) {
      await res.body.cancel().catch(() => {});
      throw new MessageTooLargeError(limit);
    }
    const events = (res.headers.get('content-type') ?? '').includes('text/event-stream');
    const body = events ? cappedEvents(res.body, limit, () => requestIds(init?.body)) : cappedBody(res.body, limit);
    return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
}
