// Whether a host name or address is this machine's (a URL's `hostname` included: `[::1]`): where plain HTTP to an
// authorization server or a client's redirect URI is allowed, and what a loopback bind answers. Only `localhost` and
// the addresses themselves: a name such as `127.example.com` may resolve anywhere.
const NAMES = new Set(['localhost', '::1', '[::1]']);
const IPV4 = /^127(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

export const isLoopback = (host: string) => NAMES.has(host) || IPV4.test(host);
