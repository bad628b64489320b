// connectInMemory(): an official SDK Client linked to a server (or a gateway) in-process, for users' own tests.
import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import type { Era } from '../core/index.js';
import type { ServingHost } from './serving-host.js';

export interface InMemoryOptions {
  /** 'legacy' (default) speaks 2025-11-25 with initialize; 'modern' pins 2026-07-28. */
  era?: Era;
  /** Client capabilities, e.g. { elicitation: { form: {} } }. */
  capabilities?: ConstructorParameters<typeof Client>[1] extends infer O ? (O extends { capabilities?: infer C } ? C : never) : never;
}

/** Connects an SDK client to `server` (a framework server, or a gateway's `host`) in-process, as stdio would. */
export async function connectInMemory(server: Pick<ServingHost, 'serveStdio'>, opts: InMemoryOptions = {}): Promise<Client> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const handle = server.serveStdio({ transport: serverSide });
  const client = new Client(
    { name: 'mcplex-in-memory', version: '1.0.0' },
    {
      ...(opts.capabilities && { capabilities: opts.capabilities }),
      ...(opts.era === 'modern' && { versionNegotiation: { mode: { pin: '2026-07-28' } } }),
    },
  );
  const close = client.close.bind(client);
  client.close = async () => {
    await close();
    await handle.close();
  };
  await client.connect(clientSide);
  return client;
}
