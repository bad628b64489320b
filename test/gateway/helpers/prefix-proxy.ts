// A reverse proxy on 127.0.0.1 that mounts a server under a path prefix and strips it, saying so in
// X-Forwarded-Prefix (as Traefik's StripPrefix does): nothing outside the prefix reaches the server; both ways stream.
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Serves `target` under `prefix` (stripped); `said` is the X-Forwarded-Prefix it sends. `close` ends its connections too. */
export async function prefixProxy(target: string, prefix: string, said = prefix): Promise<{ origin: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    if (!req.url?.startsWith(`${prefix}/`)) return void res.writeHead(404, { 'content-type': 'text/plain' }).end(`nothing here outside ${prefix}`);
    const headers = { ...req.headers, 'x-forwarded-prefix': said, 'x-forwarded-for': req.socket.remoteAddress ?? '' };
    const upstream = request(new URL(req.url.slice(prefix.length), target), { method: req.method, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const close = () =>
    new Promise<void>((closed) => {
      server.close(() => closed());
      server.closeAllConnections();
    });
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close };
}
