// RFC 7239 `Forwarded` (listen.proxyHeaders: forwarded) and X-Forwarded-Port: the client address and the public
// origin read from a trusted proxy's headers of the configured kind only, each element parsed alone.
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { clientAddressOf } from '../../src/server/http/client-address.js';
import { forwardedElements, forwardedFor } from '../../src/server/http/forwarded.js';
import { publicOriginOf } from '../../src/server/http/public-origin.js';

const request = (remoteAddress: string, headers: Record<string, string>) =>
  ({ socket: { remoteAddress }, headers: { host: '10.0.0.5:7333', ...headers } }) as unknown as IncomingMessage;

describe('Forwarded', () => {
  it('parses each element alone: a malformed one (a client’s) spoils only itself', () => {
    expect(forwardedElements('for=192.0.2.60;proto=http;by=203.0.113.43, for="[2001:db8:cafe::17]:4711"')).toEqual([
      { for: '192.0.2.60', proto: 'http', by: '203.0.113.43' },
      { for: '[2001:db8:cafe::17]:4711' },
    ]);
    expect(forwardedElements(['for=bad;;x', 'for="a,b";host=h, for=10.1.2.3'])).toEqual([{}, { for: 'a,b', host: 'h' }, { for: '10.1.2.3' }]);
    expect(forwardedElements(undefined)).toEqual([]);
    expect([forwardedFor('192.0.2.7'), forwardedFor('2001:db8::1')]).toEqual(['for=192.0.2.7', 'for="[2001:db8::1]"']);
  });

  it('names the client: the nearest hop not a trusted proxy, ports and brackets taken off; X-Forwarded-For not read', () => {
    const client = clientAddressOf(['loopback', '10.1.0.0/16'], 'forwarded');
    expect(client(request('127.0.0.1', { forwarded: 'for=203.0.113.9, for=10.1.0.7' }))).toBe('203.0.113.9');
    expect(client(request('127.0.0.1', { forwarded: 'for=198.51.100.1, for="[2001:db8::7]:4711"' }))).toBe('2001:db8::7');
    // A client's own claim, left of what the proxies appended, is never reached.
    expect(client(request('127.0.0.1', { forwarded: 'for=10.1.0.9;;garbage, for=203.0.113.9' }))).toBe('203.0.113.9');
    expect(client(request('127.0.0.1', { forwarded: 'for=_hidden' }))).toBe('_hidden');
    expect(client(request('127.0.0.1', { 'x-forwarded-for': '203.0.113.1' }))).toBe('127.0.0.1');
    expect(client(request('203.0.113.4', { forwarded: 'for=198.51.100.1' }))).toBe('203.0.113.4');
    // The default kind reads X-Forwarded-For, not Forwarded.
    expect(clientAddressOf(['loopback'])(request('127.0.0.1', { forwarded: 'for=198.51.100.1' }))).toBe('127.0.0.1');
  });

  it('names the public origin from the outermost element’s proto and host (a host the server serves)', () => {
    const origin = publicOriginOf(['loopback'], ['10.0.0.5', 'mcp.example.com'], 'forwarded');
    expect(origin(request('127.0.0.1', { forwarded: 'proto=https;host=mcp.example.com, for=10.1.0.7;proto=http' }))).toBe('https://mcp.example.com');
    expect(origin(request('127.0.0.1', { forwarded: 'proto=https;host="evil.example"' }))).toBe('https://10.0.0.5:7333');
    expect(origin(request('127.0.0.1', { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'mcp.example.com' }))).toBe('http://10.0.0.5:7333');
  });
});

describe('X-Forwarded-Port', () => {
  const origin = publicOriginOf(['loopback'], ['10.0.0.5', 'mcp.example.com']);
  it('adds the public port to a forwarded host that has none, unless it is the scheme’s default', () => {
    expect(origin(request('127.0.0.1', { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'mcp.example.com', 'x-forwarded-port': '8443' }))).toBe('https://mcp.example.com:8443');
    expect(origin(request('127.0.0.1', { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'mcp.example.com', 'x-forwarded-port': '443' }))).toBe('https://mcp.example.com');
    expect(origin(request('127.0.0.1', { 'x-forwarded-host': 'mcp.example.com:9000', 'x-forwarded-port': '8443' }))).toBe('http://mcp.example.com:9000');
    expect(origin(request('127.0.0.1', { 'x-forwarded-host': 'mcp.example.com', 'x-forwarded-port': 'eighty' }))).toBe('http://mcp.example.com');
    expect(origin(request('203.0.113.4', { 'x-forwarded-host': 'mcp.example.com', 'x-forwarded-port': '8443' }))).toBe('http://10.0.0.5:7333');
  });
});
