// Closing an HTTP listener that shares 2025-era sessions through a directory (`cluster`): every open session is
// released from the directory exactly once, and none is left claimed.
import { describe, expect, it } from 'vitest';
import { createServer, MemorySessionOwners, silentLogger } from '../../src/index.js';
import { connectHttp } from '../helpers/clients.js';

describe('closing a listener with a session directory', () => {
  it('releases each open session once', async () => {
    const owners = new MemorySessionOwners();
    const released: string[] = [];
    const release = owners.release.bind(owners);
    owners.release = (id, owner) => {
      released.push(id);
      return release(id, owner);
    };
    const server = createServer({ name: 'claims', version: '1.0.0', logger: silentLogger });
    server.tool('ping', { description: 'ping' }, () => 'pong');
    const handle = await server.serveHttp({ port: 0, cluster: { owners } });
    const clients = [await connectHttp(handle.url, 'legacy'), await connectHttp(handle.url, 'legacy')];
    const ids = clients.map((c) => (c.transport as { sessionId?: string } | undefined)?.sessionId);
    expect(ids.every((id) => typeof id === 'string')).toBe(true);
    for (const id of ids) expect(await owners.ownerOf(id!)).toBeDefined();
    await handle.close();
    expect(released.sort()).toEqual([...ids].sort());
    for (const id of ids) expect(await owners.ownerOf(id!)).toBeUndefined();
    await Promise.allSettled(clients.map((c) => c.close()));
  });
});
