// Where the OpenAPI server may send requests: URL prefixes from config, and (unless allowed) no internal
// addresses. The check runs in the socket's DNS lookup, so the address connected to is the address checked.
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/** Loopback, private, link-local, CGNAT, unique-local, multicast and unspecified ranges (IPv4 and IPv6). */
const INTERNAL = new BlockList();
for (const [net, bits] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.168.0.0', 16], ['224.0.0.0', 4], ['240.0.0.0', 4]] as const) {
  INTERNAL.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]] as const) INTERNAL.addSubnet(net, bits, 'ipv6');

export function isInternalAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  // IPv4-mapped IPv6 (::ffff:127.0.0.1) is judged as the IPv4 address it carries.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return INTERNAL.check(mapped[1]!, 'ipv4');
  return INTERNAL.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

export class EgressRefused extends Error {}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A `lookup` for http.request that refuses internal addresses (every address a name resolves to is checked). */
export function guardedLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, []);
    const list = addresses as LookupAddress[];
    const bad = list.find((a) => isInternalAddress(a.address));
    if (bad) return callback(new EgressRefused(`${hostname} resolves to an internal address (${bad.address}); set allowPrivateNetwork to reach it`), []);
    if (options.all) return callback(null, list);
    callback(null, list[0]!.address, list[0]!.family);
  });
}

/** Literal IP hosts never reach `lookup`, so they are checked here too. */
export function checkLiteralHost(url: URL): void {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isInternalAddress(host)) throw new EgressRefused(`${url.host} is an internal address; set allowPrivateNetwork to reach it`);
}

/** True when `url` lies under one of the allowed prefixes (same origin, path at or below the prefix's path). */
export function isAllowedUrl(url: URL, prefixes: string[]): boolean {
  return prefixes.some((p) => {
    const base = new URL(p);
    const path = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`;
    return url.origin === base.origin && (url.pathname === base.pathname || url.pathname.startsWith(path));
  });
}
