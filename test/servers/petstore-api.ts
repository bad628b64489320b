// A real petstore HTTP API (node:http on 127.0.0.1, port 0) implementing test/fixtures/openapi/petstore.yaml, and
// serving that document itself at /openapi.yaml; records requests so tests can see what the server sent.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

export const PETSTORE_SPEC = fileURLToPath(new URL('../fixtures/openapi/petstore.yaml', import.meta.url));
export const TOKEN = 'test-token-not-secret';

export interface PetstoreApi {
  origin: string;
  requests: Array<{ method: string; url: string; authorization?: string }>;
  close(): Promise<void>;
}

const body = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => resolve(text));
  });

export async function startPetstore(): Promise<PetstoreApi> {
  const pets = [
    { id: 1, name: 'Rex', tag: 'dog' },
    { id: 2, name: 'Tom', tag: 'cat' },
    { id: 3, name: 'Nemo', tag: null },
  ];
  const requests: PetstoreApi['requests'] = [];
  const hanging = new Set<import('node:http').ServerResponse>();
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push({ method: req.method ?? '', url: req.url ?? '', ...(req.headers.authorization && { authorization: req.headers.authorization }) });
    const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(value));
    };
    if (url.pathname === '/openapi.yaml') {
      // The published document, with its server URL pointing here.
      const text = readFileSync(PETSTORE_SPEC, 'utf8').replace('http://petstore.example.com/v1', '/v1');
      return res.writeHead(200, { 'content-type': 'application/yaml' }).end(text);
    }
    if (url.pathname === '/v1/pets' && req.method === 'GET') {
      const limit = Number(url.searchParams.get('limit') ?? 100);
      const start = Number(url.searchParams.get('cursor') ?? 0);
      const tag = url.searchParams.get('tag');
      const matching = pets.filter((p) => !tag || p.tag === tag);
      const page = matching.slice(start, start + limit);
      const next = start + limit < matching.length ? { link: `</v1/pets?limit=${limit}&cursor=${start + limit}>; rel="next"` } : undefined;
      return json(200, page, next);
    }
    if (url.pathname === '/v1/pets' && req.method === 'POST') {
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return json(401, { code: 401, message: 'unauthorized' });
      const input = JSON.parse(await body(req));
      const pet = { id: pets.length + 1, name: input.name, tag: input.tag ?? null };
      pets.push(pet);
      return json(201, pet);
    }
    const m = /^\/v1\/pets\/([^/]+)$/.exec(url.pathname);
    if (m && req.method === 'GET') {
      if (m[1] === 'slow') {
        hanging.add(res); // never answers: the caller's timeout must end it
        return;
      }
      if (m[1] === 'huge') return json(200, { id: 9, name: 'x'.repeat(200_000) });
      const pet = pets.find((p) => String(p.id) === decodeURIComponent(m[1]!));
      return pet ? json(200, pet) : json(404, { code: 404, message: `pet ${m[1]} not found` });
    }
    json(404, { code: 404, message: 'no such route' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
