// Preload (`node --import ./loopback.mjs`) that keeps a third-party server on 127.0.0.1: every
// `net.Server#listen(port, …)` without a host (which would bind all interfaces) gets host 127.0.0.1.
import net from 'node:net';

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  const [first] = args;
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    const rest = args.slice(1);
    if (typeof rest[0] === 'string') rest.shift(); // an explicit host: overridden
    return listen.call(this, Number(first), '127.0.0.1', ...rest);
  }
  if (first && typeof first === 'object' && !Array.isArray(first) && 'port' in first) {
    return listen.call(this, { ...first, host: '127.0.0.1' }, ...args.slice(1));
  }
  return listen.apply(this, args);
};
