// A raw legacy SSE stream as a client holds it (fetch, no SDK): its events as they come, waited on by what they hold.
export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

export interface SseStream {
  readonly status: number;
  readonly headers: Headers;
  /** Every event so far. */
  readonly events: SseEvent[];
  /** The first event (seen or to come) that `match` accepts. */
  next(match: (e: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>;
  /** The JSON-RPC message (a `message` event) with this id. */
  answer(id: number | string, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Resolves when the server ends the stream. */
  readonly ended: Promise<void>;
  close(): void;
}

export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const abort = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const events: SseEvent[] = [];
  const waiters = new Set<() => void>();
  let buffer = '';
  const ended = (async () => {
    if (!res.body) return;
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let at = buffer.indexOf('\n\n');
        while (at >= 0) {
          const block = buffer.slice(0, at);
          buffer = buffer.slice(at + 2);
          const lines = block.split('\n').filter((l) => !l.startsWith(':'));
          if (lines.length > 0) {
            const field = (name: string) => lines.filter((l) => l.startsWith(`${name}:`)).map((l) => l.slice(name.length + 1).trimStart());
            const id = field('id')[0];
            events.push({ event: field('event')[0] ?? 'message', data: field('data').join('\n'), ...(id !== undefined && { id }) });
            for (const w of waiters) w();
          }
          at = buffer.indexOf('\n\n');
        }
      }
    } catch {
      // Aborted by close().
    }
  })();
  const next = (match: (e: SseEvent) => boolean, timeoutMs = 10_000) =>
    new Promise<SseEvent>((resolve, reject) => {
      const check = () => {
        const found = events.find(match);
        if (!found) return false;
        waiters.delete(check as () => void);
        clearTimeout(timer);
        resolve(found);
        return true;
      };
      const timer = setTimeout(() => {
        waiters.delete(check as () => void);
        reject(new Error(`no such SSE event within ${timeoutMs} ms; seen: ${JSON.stringify(events)}`));
      }, timeoutMs);
      if (!check()) waiters.add(check as () => void);
    });
  return {
    status: res.status,
    headers: res.headers,
    events,
    next,
    answer: async (id, timeoutMs) => JSON.parse((await next((e) => e.event === 'message' && (JSON.parse(e.data) as { id?: unknown }).id === id, timeoutMs)).data),
    ended,
    close: () => abort.abort(),
  };
}
