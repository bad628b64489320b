// Reading a Streamable HTTP answer's SSE stream as it comes (ids, retry, data), for tests that cut it off or resume it.

export interface SseEvent {
  id?: string;
  retry?: string;
  data: string;
}

/** Reads events from `body` until `until` says stop (or the stream ends), then lets the stream go. */
export async function readEvents(body: ReadableStream<Uint8Array>, until: (events: SseEvent[]) => boolean): Promise<SseEvent[]> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const events: SseEvent[] = [];
  let buffer = '';
  while (!until(events)) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    for (let at = buffer.indexOf('\n\n'); at >= 0; at = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, at);
      buffer = buffer.slice(at + 2);
      const event: SseEvent = { data: '' };
      for (const line of block.split('\n')) {
        const [field, ...rest] = line.split(':');
        const value = rest.join(':').replace(/^ /, '');
        if (field === 'id') event.id = value;
        else if (field === 'retry') event.retry = value;
        else if (field === 'data') event.data += value;
      }
      events.push(event);
    }
  }
  await reader.cancel().catch(() => {});
  return events;
}

/** An event's JSON-RPC message (undefined for one without data, such as the priming event). */
export const sseMessage = (e: SseEvent) =>
  e.data
    ? (JSON.parse(e.data) as { id?: number | string; method?: string; params?: { progress?: number }; result?: { content: Array<{ text: string }> } })
    : undefined;
