// Calls to a server that is down or restarting. A down server's tools and prompts leave the catalog, so a call to
// one would read "Unknown tool": a caller (often an LLM) must never be told a tool does not exist because its
// server is restarting. Such calls get the server's "unavailable" error instead, or wait for it to be listed again
// (resilience.waitForRestartMs).
import type { Upstream } from '../client/upstream.js';
import { type CallContext, ErrorCode, WireError } from '../core/index.js';
import type { Catalog } from './catalog.js';
import type { GatewayConfig, ServerConfig } from './config/index.js';
import { RelistWaiters } from './relist-wait.js';

export class RestartGate {
  /** Calls waiting for a restarting server's tools to be listed again. */
  readonly #relist = new RelistWaiters();

  constructor(
    private readonly catalog: Catalog,
    private readonly servers: () => Iterable<{ upstream: Upstream; config: ServerConfig }>,
    private readonly config: () => GatewayConfig,
  ) {}

  /** A catalog refresh finished: waiting calls look again. */
  wake(): void {
    this.#relist.wake();
  }

  /**
   * When the called name was a down server's before it went down, or is in the namespace of a configured server
   * that is down (it may never have come up), says that server is unavailable (and why); a server back up whose
   * tools are not listed again yet is "restarting". With waitForRestartMs, the call first waits for the server.
   */
  async check(ctx: CallContext): Promise<void> {
    if (ctx.method !== 'tools/call' && ctx.method !== 'prompts/get') return;
    const target = ctx.target ?? '';
    const kind = ctx.method === 'tools/call' ? 'tools' : 'prompts';
    const route = () => (kind === 'tools' ? this.catalog.tool(target) : this.catalog.prompt(target));
    const listed = route();
    if (listed?.upstream.up) return;
    const owner = listed?.upstream ?? this.catalog.formerOwner(kind, target) ?? this.#downNamespaceOwner(target);
    if (!owner) return; // not ours: the forwarder says "Unknown tool"
    if (await this.#relist.wait(ctx, this.config().resilience?.waitForRestartMs ?? 0, () => route()?.upstream.up === true)) return;
    if (listed) return; // still routed: the upstream's own error (unavailable, or a wait for its re-initialise)
    if (!owner.up) throw owner.unavailable();
    throw new WireError(ErrorCode.UpstreamUnavailable, `Server '${owner.name}' is restarting; try again shortly`, { retryAfterMs: 500 });
  }

  /** A configured server that is down and whose namespace the name is in (it may never have come up). */
  #downNamespaceOwner(target: string): Upstream | undefined {
    const separator = this.config().separator;
    for (const { upstream, config } of this.servers()) {
      if (config.namespace !== false && !upstream.up && target.startsWith(`${config.namespace}${separator}`)) return upstream;
    }
    return undefined;
  }
}
