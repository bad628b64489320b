// A web-standard fetch handler served on a real node:http listener on 127.0.0.1, as a platform adapter would
// (Request built from the node request with its body streamed, the Response streamed back; a client that goes away
// aborts the request's signal and cancels the response body).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';

export async function serveFetch(fetch: (request: Request) => Promise<Response>, path = '/mcp'): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer(async (req, res) => {
    const gone = new AbortController();
    res.on('close', () => gone.abort());
    const headers = Object.entries(req.headers).flatMap(([k, v]) => (v === undefined ? [] : Array.isArray(v) ? v.map((x) => [k, x]) : [[k, v]])) as [string, string][];
    const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : (Readable.toWeb(req) as ReadableStream<Uint8Array>);
    const request = new Request(`http://${req.headers.host}${req.url}`, { method: req.method, headers, body, signal: gone.signal, duplex: 'half' } as RequestInit);
    const response = await fetch(request);
    res.writeHead(response.status, [...response.headers].flat());
    if (!response.body) return void res.end();
    const reader = response.body.getReader();
    res.on('close', () => void reader.cancel().catch(() => {}));
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        res.write(value);
      }
    } catch {
      // the client went away
    }
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
