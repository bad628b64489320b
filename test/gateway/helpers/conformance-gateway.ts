// The conformance fixture behind the gateway: the fixture server (HTTP child process) mounted at the root
// (`namespace: false`), the gateway served on 127.0.0.1; shared by the conformance test and `npm run conformance`.
import { type FixtureProcess, startFixture } from '../../conformance/fixture-process.js';
import { Gateway } from '../../../src/gateway/gateway.js';
import { createLogger } from '../../../src/index.js';

export interface GatewayOverFixture {
  readonly url: string;
  readonly fixture: FixtureProcess;
  readonly gateway: Gateway;
  close(): Promise<void>;
}

export async function startGatewayOverFixture(): Promise<GatewayOverFixture> {
  const fixture = await startFixture({ startTimeoutMs: 30_000 });
  const gateway = new Gateway(
    {
      listen: { host: '127.0.0.1', port: 0, path: '/mcp' },
      separator: '__',
      servers: {
        fixture: {
          name: 'fixture',
          namespace: false,
          enabled: true,
          timeoutMs: 60_000,
          connectTimeoutMs: 20_000,
          tools: { rename: {} },
          transport: 'http',
          url: fixture.url,
          headers: {},
        },
      },
    },
    { logger: createLogger('mcplex-gateway', process.env.MCPLEX_LOG_LEVEL ?? 'warn') },
  );
  try {
    await gateway.start();
    const up = gateway.health().upstreams[0];
    if (up?.state !== 'up') throw new Error(`the fixture upstream is not up behind the gateway: ${JSON.stringify(up)}`);
    const handle = await gateway.serveHttp({ port: 0 });
    return {
      url: handle.url,
      fixture,
      gateway,
      async close() {
        await handle.close();
        await gateway.close();
        await fixture.stop();
      },
    };
  } catch (err) {
    await gateway.close();
    await fixture.stop();
    throw err;
  }
}
