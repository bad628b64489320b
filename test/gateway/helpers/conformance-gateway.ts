// The conformance fixture behind the gateway, mounted at the root (`namespace: false`), the gateway served on
// 127.0.0.1; shared by the conformance test and `npm run conformance`. The fixture is reached either over HTTP
// (its own child process, 2026-07-28 negotiated) or over stdio as a 2025-era-only server the gateway spawns.
import type { GatewayConfig, ServerConfig } from '../../../src/gateway/config/types.js';
import { Gateway } from '../../../src/gateway/gateway.js';
import { createLogger } from '../../../src/index.js';
import { type FixtureProcess, REPO_ROOT, startFixture } from '../../conformance/fixture-process.js';
import { tsxArgs } from '../../helpers/process.js';

export type FixtureLink = 'http' | 'stdio';

export interface GatewayOverFixture {
  readonly url: string;
  /** The HTTP fixture process (stdio fixtures are the gateway's own children). */
  readonly fixture?: FixtureProcess;
  readonly gateway: Gateway;
  close(): Promise<void>;
}

/**
 * The fixture's task tools (test/conformance/fixture-tasks.ts), run as tasks by the gateway (`servers.<name>.tasks`)
 * over stdio, where the fixture speaks 2025-11-25; over HTTP the fixture runs its own tasks, which the gateway relays.
 */
const TASKS = { slow_compute: 'optional', protocol_error_job: 'optional', confirm_delete: 'optional', multi_input: 'optional', failing_job: 'required', test_tool_with_task: { support: 'required', immediateMs: 5_000 } } as const;
const COMMON = { name: 'fixture', namespace: false, enabled: true, timeoutMs: 60_000, connectTimeoutMs: 20_000, tools: { rename: {} } } as const;

/** `extra` adds gateway settings (e.g. `auth`) to the minimal config. */
export async function startGatewayOverFixture(link: FixtureLink = 'http', extra: Partial<GatewayConfig> = {}): Promise<GatewayOverFixture> {
  const fixture = link === 'http' ? await startFixture({ startTimeoutMs: 30_000 }) : undefined;
  const server: ServerConfig = fixture
    ? { ...COMMON, transport: 'http', url: fixture.url, headers: {} }
    : { ...COMMON, tasks: TASKS, transport: 'stdio', command: process.execPath, args: tsxArgs('test/conformance/fixture-stdio.ts'), env: { MCPLEX_LOG_LEVEL: 'warn' }, cwd: REPO_ROOT };
  const gateway = new Gateway(
    { listen: { host: '127.0.0.1', port: 0, path: '/mcp' }, separator: '__', servers: { fixture: server }, ...extra },
    { logger: createLogger('mcplex-gateway', process.env.MCPLEX_LOG_LEVEL ?? 'warn') },
  );
  try {
    await gateway.start();
    const up = gateway.health().upstreams[0];
    if (up?.state !== 'up') throw new Error(`the fixture upstream is not up behind the gateway: ${JSON.stringify(up)}`);
    const handle = await gateway.serveHttp({ port: 0 });
    return {
      url: handle.url,
      ...(fixture && { fixture }),
      gateway,
      async close() {
        await handle.close();
        await gateway.close();
        await fixture?.stop();
      },
    };
  } catch (err) {
    await gateway.close();
    await fixture?.stop();
    throw err;
  }
}
