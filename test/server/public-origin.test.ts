// The public origin a request addressed, read from a trusted proxy's X-Forwarded-Proto and X-Forwarded-Host: only
// from a trusted peer, the first value of each, a scheme that is http or https, a host the server serves.
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { ownOrigin, publicOriginOf } from '../../src/server/http/public-origin.js';

const request = (remoteAddress: string, headers: Record<string, string>, encrypted = false) =>
  ({ socket: { remoteAddress, ...(encrypted && { encrypted }) }, headers: { host: '10.0.0.5:7333', ...headers } }) as unknown as IncomingMessage;

describe('publicOriginOf', () => {
  const behind = publicOriginOf(['loopback', '10.1.0.0/16'], ['10.0.0.5', 'mcp.example.com', '[2001:db8::1]']);

  it('is the listener’s own origin when no proxy is trusted, whatever the headers say', () => {
    expect(publicOriginOf(undefined, undefined)).toBe(ownOrigin);
    expect(ownOrigin(request('127.0.0.1', { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'mcp.example.com' }))).toBe('http://10.0.0.5:7333');
    expect(ownOrigin(request('127.0.0.1', {}, true))).toBe('https://10.0.0.5:7333');
  });

  it('takes the first scheme and host a trusted proxy forwards (the outermost proxy’s)', () => {
    expect(behind(request('127.0.0.1', { 'x-forwarded-proto': 'https, http', 'x-forwarded-host': 'mcp.example.com, 10.0.0.5:7333' }))).toBe('https://mcp.example.com');
    expect(behind(request('::ffff:10.1.2.3', { 'x-forwarded-proto': 'HTTPS' }))).toBe('https://10.0.0.5:7333');
    expect(behind(request('10.1.2.3', { 'x-forwarded-host': '[2001:db8::1]:8443' }))).toBe('http://[2001:db8::1]:8443');
  });

  it('ignores them from a peer not trusted, a scheme that is not http(s), and a host the server does not serve', () => {
    expect(behind(request('203.0.113.4', { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'mcp.example.com' }))).toBe('http://10.0.0.5:7333');
    expect(behind(request('127.0.0.1', { 'x-forwarded-proto': 'javascript' }))).toBe('http://10.0.0.5:7333');
    expect(behind(request('127.0.0.1', { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.example' }))).toBe('https://10.0.0.5:7333');
    expect(behind(request('127.0.0.1', { 'x-forwarded-host': 'mcp.example.com/path?x' }))).toBe('http://10.0.0.5:7333');
  });

  it('takes any well-formed host when the server serves any (allowedHosts unset)', () => {
    expect(publicOriginOf(['loopback'], undefined)(request('127.0.0.1', { 'x-forwarded-host': 'gw.internal:8080' }))).toBe('http://gw.internal:8080');
  });
});
