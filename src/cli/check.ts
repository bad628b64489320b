// `mcplex check`: validates a gateway config as `serve` would (exit 2 naming the key and the fix) and, with
// --connect, starts every enabled server once as the gateway does, reports each (state, protocol era, how many
// tools, prompts and resources it exposes, or what kept it down) and stops them all: a pre-deploy check for CI.
// With --connect it also asks what the file depends on (Redis, the audit store, identity providers:
// check-dependencies.ts). Exit 1 when an enabled server did not come up or a dependency did not answer. It names the
// config's version (as GET /admin/config does); --show prints the effective config, secrets taken out. Credentials
// written in the file as text are named (by place, never value), a warning; --strict makes them exit 1.
import { silentLogger } from '../core/index.js';
import type { EndpointReport } from '../gateway/endpoints-admin.js';
import { type GatewayConfig, observability, type WrittenSecret, writtenSecretsIn, writtenSecretsWarning } from '../gateway/config/index.js';
import { stringify } from 'yaml';
import { configVersion, redactedConfig } from '../gateway/config-report.js';
import { Gateway } from '../gateway/gateway.js';
import { longNamesNote, tooLongForModels } from '../gateway/tool-names.js';
import { ToolPins } from '../gateway/tool-pins.js';
import { metricsWanted, otlpProtocol, tracingWanted } from '../server/index.js';
import { checkDependencies, type DependencyReport } from './check-dependencies.js';
import { EMBEDDED_CONFIG, loadOrExit, selfCommand } from './config-file.js';
import { ExitError } from './exit-error.js';
import type { LeftOut } from '../client/list-check.js';

export interface CheckOptions {
  config?: string;
  connect?: boolean;
  json?: boolean;
  /** Print the effective config (its secrets taken out) and its version instead of the report. */
  show?: boolean;
  /** Exit 1 when the file holds credentials written as text. */
  strict?: boolean;
  /** Files of NAME=value lines the config's `${VAR}` values come from too, as `serve --secrets` reads them. */
  secrets?: string[];
}

interface ServerReport {
  name: string;
  enabled: boolean;
  state?: string;
  era?: string;
  tools?: number;
  prompts?: number;
  resources?: number;
  error?: string;
  /** The child process it ran as (stdio servers), gone once the check is over. */
  pid?: number;
  /** Its tools' names as exposed that the model APIs refuse (longer than 64 characters). */
  longNames?: string[];
  /** What it listed that is not valid MCP (a tool whose inputSchema is no object schema), left out of the gateway's lists. */
  leftOut?: LeftOutItem[];
}

type LeftOutItem = LeftOut & { kind: string };

/** One line per concern the file turns on, for the summary (telemetry as this environment's OTEL_* would have it). */
function features(config: GatewayConfig, pinned: number | undefined): Record<string, string> {
  const { metrics, tracing } = observability(config);
  const scraped = metrics.enabled && `prometheus ${metrics.listen ? `${metrics.listen.host}:${metrics.listen.port}` : ''}${metrics.path}`;
  return {
    auth: config.auth
      ? [config.auth.apiKeys && 'api keys', config.auth.jwt && 'jwt', config.auth.introspection && 'introspection', config.auth.oauthProxy && 'oauth proxy', config.listen.tls?.requireClientCert && 'mtls'].filter(Boolean).join(', ') || 'on'
      : 'off',
    audit: config.audit ? `${config.audit.sink}${config.audit.retention ? `, kept ${span(config.audit.retention)}` : ''}` : 'off',
    cache: config.cache ? config.cache.store : 'off',
    pinning: config.pinning ? `${config.pinning.onChange}, ${pinned ?? 0} tools pinned` : 'off',
    'tool search': config.toolSearch ? 'on' : 'off',
    endpoints: config.endpoints ? Object.values(config.endpoints).map((e) => e.path).join(', ') : 'off',
    'secret scan': config.secretScan ? `arguments ${config.secretScan.arguments}, results ${config.secretScan.results}` : 'off',
    metrics: [scraped, metricsWanted({ enabled: metrics.otlp }) && otlpOver('METRICS')].filter(Boolean).join(' + ') || 'off',
    tracing: tracingWanted(tracing) ? otlpOver('TRACES') : 'off',
  };
}

/** A duration as the file would say it: whole days, else hours. */
const span = (ms: number): string => (ms % 86_400_000 === 0 ? `${ms / 86_400_000}d` : `${Math.round(ms / 3_600_000)}h`);

/** `otlp <protocol>`; exit 2 naming the variable when the environment names a protocol the SDKs do not speak. */
function otlpOver(signal: 'TRACES' | 'METRICS'): string {
  try {
    return `otlp ${otlpProtocol(process.env, signal)}`;
  } catch (err) {
    throw new ExitError((err as Error).message, 2);
  }
}

/** How many tools the pins file holds; exit 1 naming the file when it is not a pins file (serve would stop on it). */
function pinnedCount(config: GatewayConfig): number | undefined {
  if (!config.pinning) return undefined;
  try {
    return Object.values(new ToolPins(config.pinning, silentLogger).counts()).reduce((a, b) => a + b, 0);
  } catch (err) {
    throw new ExitError((err as Error).message, 1);
  }
}

async function connectAll(config: GatewayConfig): Promise<{ servers: ServerReport[]; endpoints: EndpointReport[]; dependencies: DependencyReport[] }> {
  const [connected, dependencies] = await Promise.all([startOnce(config), checkDependencies(config)]);
  return { ...connected, dependencies };
}

async function startOnce(config: GatewayConfig): Promise<{ servers: ServerReport[]; endpoints: EndpointReport[] }> {
  // Without pinning: a check never writes the pins file, and counts every tool the servers list.
  const { pinning: _, ...unpinned } = config;
  const gateway = new Gateway(unpinned, { logger: silentLogger, commands: { mcplex: selfCommand() } });
  try {
    await gateway.start();
    const up = new Map(gateway.health().upstreams.map((u) => [u.name, u]));
    const endpoints = gateway.endpoints();
    const servers = Object.values(config.servers).map((s): ServerReport => {
      const u = up.get(s.name) as { state?: string; era?: string; error?: string; pid?: number; leftOut?: LeftOutItem[] } | undefined;
      if (!s.enabled || !u) return { name: s.name, enabled: false };
      const items = gateway.catalog.itemsOf(s.name);
      const longNames = items.tools.map((t) => t.name).filter(tooLongForModels);
      return {
        name: s.name,
        enabled: true,
        ...(u.state && { state: u.state }),
        ...(u.era && { era: u.era }),
        ...(u.state === 'up' && { tools: items.tools.length, prompts: items.prompts.length, resources: items.resources.length }),
        ...(u.error && u.state !== 'up' && { error: u.error }),
        ...(u.pid !== undefined && { pid: u.pid }),
        ...(longNames.length > 0 && { longNames }),
        ...(u.leftOut && { leftOut: u.leftOut }),
      };
    });
    return { servers, endpoints };
  } finally {
    await gateway.close();
  }
}

const count = (n: number | undefined, word: string) => `${n ?? 0} ${word}${n === 1 ? '' : 's'}`;

function human(file: string, config: GatewayConfig, pinned: number | undefined, connected: Awaited<ReturnType<typeof connectAll>> | undefined, written: WrittenSecret[]): string {
  const servers = connected?.servers;
  const all = Object.values(config.servers);
  const enabled = all.filter((s) => s.enabled).length;
  const f = Object.entries(features(config, pinned)).map(([k, v]) => `${k}: ${v}`);
  const lines = [`config ok: ${file} (version ${configVersion(config)}; ${all.length} servers, ${enabled} enabled; ${f.join(', ')})`, ...writtenSecretsWarning(written)];
  if (!servers) return lines.join('\n');
  const width = Math.max(...servers.map((s) => s.name.length), 4);
  for (const s of servers) {
    const what = !s.enabled
      ? 'disabled'
      : s.state === 'up'
        ? `up    ${(s.era ?? '').padEnd(7)} ${count(s.tools, 'tool')}, ${count(s.prompts, 'prompt')}, ${count(s.resources, 'resource')}`
        : `${(s.state ?? 'down').padEnd(5)} ${s.error ?? ''}`;
    lines.push(`  ${s.name.padEnd(width)}  ${what}`);
    if (s.longNames) lines.push(`  ${' '.repeat(width)}  ${longNamesNote(s.name, s.longNames)}`);
    if (s.leftOut) lines.push(`  ${' '.repeat(width)}  left out of the lists, not valid MCP: ${s.leftOut.map((l) => `${l.kind} ${l.item} (${l.problem})`).join('; ')}`);
  }
  for (const e of connected?.endpoints ?? []) {
    const empty = e.tools + e.prompts + e.resources === 0 ? '  (shows nothing: check its include/exclude)' : '';
    lines.push(`  endpoint ${e.name} (${e.path}): ${count(e.tools, 'tool')}, ${count(e.prompts, 'prompt')}, ${count(e.resources, 'resource')}${empty}`);
  }
  const dependencies = connected?.dependencies ?? [];
  const kindWidth = Math.max(...dependencies.map((d) => d.kind.length), 0);
  for (const d of dependencies) {
    const used = d.usedBy ? ` (${d.usedBy.join(', ')})` : '';
    lines.push(`  ${d.kind.padEnd(kindWidth)}  ${d.target}${used}  ${d.ok ? `ok: ${d.detail}` : `FAILED: ${d.error}`}`);
  }
  const failed = servers.filter((s) => s.enabled && s.state !== 'up').length;
  lines.push(failed > 0 ? `${failed} of ${enabled} enabled servers did not come up` : `all ${enabled} enabled servers came up`);
  const down = dependencies.filter((d) => !d.ok).length;
  if (dependencies.length > 0) lines.push(down > 0 ? `${down} of ${dependencies.length} dependencies did not answer` : `all ${dependencies.length} dependencies answered`);
  return lines.join('\n');
}

/** Prints the report; resolves with the exit code (0 fine, 1 a server did not come up). */
export async function check(opts: CheckOptions): Promise<number> {
  const file = opts.config ?? EMBEDDED_CONFIG;
  const config = await loadOrExit(file, opts.secrets);
  if (opts.show) {
    if (opts.connect) throw new ExitError('--show prints the config; run --connect separately', 2);
    // The same version and the same redaction as GET /admin/config: compare with what a gateway runs.
    const shown = { version: configVersion(config), config: redactedConfig(config) };
    process.stdout.write(opts.json ? `${JSON.stringify(shown, null, 2)}\n` : `# ${opts.config ?? '(embedded default)'} as the gateway reads it (secrets taken out); version ${shown.version}\n${stringify(shown.config)}`);
    return 0;
  }
  const pinned = pinnedCount(config);
  const written = await writtenSecretsIn(file);
  const connected = opts.connect ? await connectAll(config) : undefined;
  const failed = (connected?.servers.some((s) => s.enabled && s.state !== 'up') || connected?.dependencies.some((d) => !d.ok)) ?? false;
  const json = () => JSON.stringify({ config: file, version: configVersion(config), ok: !failed, ...features(config, pinned), writtenSecrets: written.map(({ path, kind }) => ({ path, kind })), ...connected }, null, 2);
  const out = opts.json ? json() : human(opts.config ?? '(embedded default)', config, pinned, connected, written);
  process.stdout.write(`${out}\n`);
  return failed || (opts.strict && written.length > 0) ? 1 : 0;
}
