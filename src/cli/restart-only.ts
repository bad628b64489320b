// What a reload reads but applies only when `mcplex serve` starts again: the parts of a new config that differ from
// the config the process started with (after a reload that changed one, and one that changed it back, nothing is left
// to restart for), each said as the log and `POST /admin/reload` say it.
import { isDeepStrictEqual } from 'node:util';
import { type GatewayConfig, observability } from '../gateway/config/index.js';

const pathsOf = (c: GatewayConfig) => Object.entries(c.endpoints ?? {}).map(([name, e]) => `${name} ${e.path}`);

/** Logging's levels and request line apply at once; the rest of logging, metrics and tracing is read at start. */
function readAtStart(c: GatewayConfig) {
  const o = observability(c);
  return { ...o, logging: { ...o.logging, level: undefined, modules: undefined, requests: undefined, arguments: undefined } };
}

/**
 * Every top-level section of the gateway file, each one looked at: `listen` and `cluster` apply at start only, `auth`,
 * `endpoints`, `logging`, `metrics`, `tracing` and `oauth` in part (compared below), `separator` rejects a reload
 * that changes it (gateway.ts), the rest apply on reload. test/cli/restart-only.test.ts fails when the file gains a
 * section not listed here, so that whoever adds one decides which it is.
 */
export const SECTIONS = ['listen', 'cluster', 'auth', 'endpoints', 'logging', 'metrics', 'tracing', 'oauth', 'separator', 'servers', 'mcpServers', 'resilience', 'roots', 'policy', 'cache', 'audit', 'pinning', 'toolSearch', 'secretScan', 'hiddenText', 'tasks'] as const;

/** What `next` changes that waits for a restart (each a short sentence), none when nothing does. */
export function restartOnlyChanges(started: GatewayConfig, next: GatewayConfig): string[] {
  const differ = (part: (c: GatewayConfig) => unknown) => !isDeepStrictEqual(part(next), part(started));
  return [
    differ((c) => c.listen) && 'listen changed',
    differ((c) => c.cluster) && 'cluster changed',
    differ(pathsOf) && 'endpoints added, removed or moved (their views apply now)',
    differ(readAtStart) && 'logging format or redaction, metrics or tracing changed',
    differ((c) => [c.oauth?.callbackUrl, c.oauth?.clientMetadataUrl]) && 'oauth.callbackUrl or clientMetadataUrl changed',
    differ((c) => c.auth?.refusalLimit) && 'auth.refusalLimit changed',
    !next.auth !== !started.auth && 'auth was added or removed (other changes within auth apply now)',
  ].filter((said): said is string => typeof said === 'string');
}
