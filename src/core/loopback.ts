// Whether a host name or address is this machine's (a URL's `hostname` included: `[::1]`): where plain HTTP to an
// authorization server is allowed (a development one), and what a loopback bind answers.
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export const isLoopback = (host: string) => LOOPBACK.has(host) || host.startsWith('127.');
