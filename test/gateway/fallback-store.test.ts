// The gateway's `lastGood` fallbacks keep their results in the store of its `cache:` section (so replicas sharing a
// Redis answer with each other's), also after a reload rebuilds the stage; without a cache section, in memory.
import { describe, expect, it } from 'vitest';
import { ErrorCode, type McpResult, type Middleware, silentLogger, WireError } from '../../src/core/index.js';
import type { LiveCache } from '../../src/gateway/cache-stage.js';
import { Catalog } from '../../src/gateway/catalog.js';
import { type GatewayConfig, parseConfig } from '../../src/gateway/config/index.js';
import { pipelineFromConfig } from '../../src/gateway/pipeline.js';
import { GatewayResilience } from '../../src/gateway/resilience.js';
import { UpstreamChanges } from '../../src/gateway/upstream-changes.js';
import { fallback } from '../../src/middleware/fallback.js';
import { makeCtx } from '../core/helpers.js';

const yaml = (cache: string) => `
servers: {}
${cache}
resilience:
  healthCheck: false
  fallbacks:
    w__forecast: { lastGood: true }
`;

/** The stages the gateway's constructor builds: its resilience, and the pipeline around it. */
function gatewayStages(text: string) {
  let config: GatewayConfig = parseConfig(text, { format: 'yaml' });
  const catalog = new Catalog([], '__', silentLogger);
  const resilience = new GatewayResilience(catalog, () => config, () => [], () => {});
  const reloaders: Array<(next: GatewayConfig) => void> = [];
  const onReload = (apply: (next: GatewayConfig) => void) => reloaders.push(apply);
  const stages = pipelineFromConfig(config, { catalog, logger: silentLogger, routes: [], changes: new UpstreamChanges(), onClose: () => {}, onReload, resilience });
  const live = stages.find((m): m is Middleware & { live: LiveCache } => 'live' in m)!.live;
  const reload = (next: GatewayConfig) => {
    config = next;
    for (const apply of reloaders) apply(next);
    resilience.sync();
  };
  return { resilience, cache: live.cache, live, config: () => config, reload };
}

const ctx = () => makeCtx({ target: 'w__forecast', params: { name: 'w__forecast', arguments: { city: 'Oslo' } } });
const sunny: McpResult = { content: [{ type: 'text', text: 'sunny' }] };
const down = async (): Promise<McpResult> => Promise.reject(new WireError(ErrorCode.UpstreamUnavailable, "Server 'w' is unavailable"));

describe('gateway fallback store', () => {
  it("keeps last good results in the cache section's store, where another replica's fallback finds them", async () => {
    const gw = gatewayStages(yaml('cache: { store: memory }'));
    expect(gw.cache).toBeDefined();
    await gw.resilience.stages.fallback(ctx(), async () => sunny);
    const replica = fallback({ rule: () => ({ lastGood: true }), store: gw.cache!.store });
    expect((await replica(ctx(), down)).content).toEqual(sunny.content);
  });

  it('still uses that store after a reload rebuilds the fallback stage', async () => {
    const gw = gatewayStages(yaml('cache: { store: memory }'));
    gw.reload({ ...gw.config(), resilience: { ...gw.config().resilience, fallbacks: { w__forecast: { lastGood: true, maxAgeMs: 60_000 } } } });
    await gw.resilience.stages.fallback(ctx(), async () => sunny);
    const replica = fallback({ rule: () => ({ lastGood: true }), store: gw.cache!.store });
    expect((await replica(ctx(), down)).content).toEqual(sunny.content);
  });

  it('keeps them when the whole cache is cleared (the admin API\'s {"all": true})', async () => {
    const gw = gatewayStages(yaml('cache: { store: memory }'));
    await gw.resilience.stages.fallback(ctx(), async () => sunny);
    await gw.cache!.store.set('cache:tools/call\nw__forecast\nx\n{}', 'cached', { ttlMs: 60_000 });
    expect(await gw.cache!.invalidate({ all: true })).toBe(1);
    expect((await gw.resilience.stages.fallback(ctx(), down)).content).toEqual(sunny.content);
  });

  it('keeps them in memory without a cache section', async () => {
    const gw = gatewayStages(yaml(''));
    expect(gw.cache).toBeUndefined();
    await gw.resilience.stages.fallback(ctx(), async () => sunny);
    expect((await gw.resilience.stages.fallback(ctx(), down)).content).toEqual(sunny.content);
  });

  it('follows a reload that adds the cache section, and one that removes it', async () => {
    const gw = gatewayStages(yaml(''));
    gw.reload(parseConfig(yaml('cache: { store: memory }'), { format: 'yaml' }));
    const store = gw.live.cache!.store;
    await gw.resilience.stages.fallback(ctx(), async () => sunny);
    const replica = fallback({ rule: () => ({ lastGood: true }), store });
    expect((await replica(ctx(), down)).content).toEqual(sunny.content);
    // Removed: back to memory; what it keeps from now on is no longer in that store.
    gw.reload(parseConfig(yaml(''), { format: 'yaml' }));
    expect(gw.live.cache).toBeUndefined();
    const rainy: McpResult = { content: [{ type: 'text', text: 'rainy' }] };
    await gw.resilience.stages.fallback(ctx(), async () => rainy);
    expect((await gw.resilience.stages.fallback(ctx(), down)).content).toEqual(rainy.content);
    expect((await replica(ctx(), down)).content).toEqual(sunny.content);
  });
});
