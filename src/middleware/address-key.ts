// The key a client address counts under, for limits per client (rate limits `per: [client]`, the edge's bound on
// refused credentials): an IPv4 address as it is (an IPv4-mapped IPv6 one too), an IPv6 address by its /64 (one
// host may hold all of it and rotate through them), anything else as given.
import ipaddr from 'ipaddr.js';

const MAPPED = '::ffff:';
/** Dotted-quad IPv4, loosely (an out-of-range octet only makes an odd key). */
const IPV4 = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

export function addressKey(address: string): string {
  // The common cases without parsing: this runs for every request a limit per client counts.
  if (IPV4.test(address)) return address;
  if (address.startsWith(MAPPED) && IPV4.test(address.slice(MAPPED.length))) return address.slice(MAPPED.length);
  if (!address.includes(':')) return address;
  let ip: ipaddr.IPv6;
  try {
    ip = ipaddr.IPv6.parse(address);
  } catch {
    return address;
  }
  return ip.isIPv4MappedAddress() ? ip.toIPv4Address().toString() : `${ip.parts.slice(0, 4).map((p) => p.toString(16)).join(':')}::/64`;
}
