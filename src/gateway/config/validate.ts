// Turns the interpolated tree into a GatewayConfig: zod checks each field, then the rules that relate
// fields (stdio vs http, unique namespaces, names vs the separator) run on the same tree, so one pass reports everything.
import type { z } from 'zod';
import { moveUrlCredentials } from '../../client/upstream-spec.js';
import { buildObservability } from './observability.js';
import { buildAuth, checkAuth } from './auth.js';
import { cacheSection, checkCache } from './cache.js';
import { checkCors } from './cors.js';
import { buildCluster } from './cluster.js';
import { buildPinning } from './pinning.js';
import { buildOAuth, checkOAuth } from './oauth.js';
import { buildToolSearch, TOOL_SEARCH_DEFAULTS } from './tool-search.js';
import { buildEndpoints, endpointIssues } from './endpoints.js';
import { buildSecretScan } from './secret-scan.js';
import { buildHiddenText } from './hidden-text.js';
import { buildAudit } from './audit.js';
import { builtinOptions, isRawBuiltin, type RawBuiltin } from './builtin.js';
import { formatIssue, formatPath, type Issue, type PathSegment } from './errors.js';
import { buildPolicy } from './policy.js';
import { serverResilience } from './resilience.js';
import type { ToolOverride } from './tool-overrides.js';
import { configSchema, NAME, type RawConfig, type RawServer, SEPARATOR, TRANSPORTS } from './schema.js';
import { DEFAULTS, type GatewayConfig, type ServerConfig } from './types.js';
import { buildUpstreamAuth, checkUpstreamAuth } from './upstream-auth.js';

type Tree = Record<string, unknown>;
const isMap = (v: unknown): v is Tree => v !== null && typeof v === 'object' && !Array.isArray(v);
const given = (m: Tree, key: string) => m[key] !== undefined && m[key] !== null;

function fromZod(iss: z.core.$ZodIssue): Issue[] {
  const path = iss.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
  if (iss.code !== 'unrecognized_keys') return [{ path, message: iss.message }];
  const lines = iss.message.split('\n');
  return iss.keys.map((k, i) => ({ path: [...path, k], message: lines[i] ?? 'unknown key' }));
}

function transportOf(v: unknown): 'stdio' | 'http' | 'sse' | undefined {
  if (!(TRANSPORTS as readonly unknown[]).includes(v)) return undefined;
  return v === 'streamable-http' ? 'http' : (v as 'stdio' | 'http' | 'sse');
}

/** Rules about how one server's fields fit together; field types are zod's job and are only guarded here. */
function checkServer(s: Tree, at: PathSegment[], issues: Issue[]): void {
  const push = (key: string | undefined, message: string): void => void issues.push({ path: key ? [...at, key] : at, message });
  const tKey = given(s, 'transport') ? 'transport' : given(s, 'type') ? 'type' : undefined;
  if (given(s, 'transport') && given(s, 'type')) {
    const [a, b] = [transportOf(s.transport), transportOf(s.type)];
    if (a && b && a !== b) push('type', 'conflicts with transport (type is an alias of transport; give only one)');
  }
  const t = tKey ? transportOf(s[tKey]) : undefined;
  const [cmd, url] = [given(s, 'command'), given(s, 'url')];
  if (cmd && url) push(undefined, 'give either command (stdio) or url (http/sse), not both');
  else if (!cmd && !url) {
    if (t === 'http' || t === 'sse') push('url', `required for ${s[tKey!]} servers`);
    else push('command', t === 'stdio' ? 'required for stdio servers' : 'required for stdio servers (or give url)');
  }
  if (cmd === url) return;
  checkUpstreamAuth(s, at, cmd, issues);
  if (cmd && (t === 'http' || t === 'sse')) push(tKey, `'${s[tKey!]}' servers need url instead of command`);
  if (url && t === 'stdio') push(tKey, "'stdio' servers need command instead of url");
  const wrongSide = cmd ? ['headers'] : ['args', 'env', 'envFile', 'cwd', 'watch'];
  for (const key of wrongSide) {
    if (given(s, key)) push(key, cmd ? 'only for http/sse servers (this one has command)' : 'only for stdio servers (this one has url)');
  }
  // User-info becomes an Authorization header (buildServer), so it cannot be given twice.
  const u = typeof s.url === 'string' && URL.canParse(s.url) ? new URL(s.url) : undefined;
  if ((u?.username || u?.password) && isMap(s.headers) && Object.keys(s.headers).some((k) => k.toLowerCase() === 'authorization')) {
    push('url', 'has a user name or password and headers has Authorization too; give the credentials in one place');
  }
}

function checkStructure(root: Tree, issues: Issue[]): void {
  if ('servers' in root && 'mcpServers' in root) {
    issues.push({ path: ['mcpServers'], message: 'give either servers or mcpServers, not both (mcpServers is an alias of servers)' });
    return;
  }
  if (!('servers' in root) && !('mcpServers' in root)) {
    issues.push({ path: ['servers'], message: 'required (a mapping of server name to server config; mcpServers is accepted too)' });
    return;
  }
  const key = 'servers' in root ? 'servers' : 'mcpServers';
  const servers = root[key];
  if (!isMap(servers)) return;
  const sep = root.separator === undefined ? DEFAULTS.separator : typeof root.separator === 'string' && SEPARATOR.test(root.separator) ? root.separator : undefined;
  const owners = new Map<string, { name: string; explicit: boolean }[]>();
  for (const [name, s] of Object.entries(servers)) {
    const at = [key, name];
    if (!NAME.test(name)) issues.push({ path: at, message: "server names may only contain letters, digits, '_' and '-' (rename the key)" });
    else if (sep && name.includes(sep)) issues.push({ path: at, message: `server names must not contain the separator '${sep}' (rename the key, or change separator)` });
    if (!isMap(s)) continue;
    if (!isRawBuiltin(s)) checkServer(s, at, issues);
    const ns = s.namespace === undefined ? name : s.namespace;
    if (typeof ns !== 'string' || !NAME.test(ns)) continue;
    if (s.namespace !== undefined && sep && ns.includes(sep)) {
      issues.push({ path: [...at, 'namespace'], message: `'${ns}' contains the separator '${sep}' (choose another namespace, or change separator)` });
    }
    // Disabled servers mount nothing, so they may share a namespace with the server that replaces them.
    if (s.enabled === false || s.enabled === 'false') continue;
    owners.set(ns, [...(owners.get(ns) ?? []), { name, explicit: s.namespace !== undefined }]);
  }
  // The gateway's own search tools live in a namespace of their own.
  const search = root.toolSearch;
  const onSomewhere = isMap(root.endpoints) && Object.values(root.endpoints).some((e) => isMap(e) && e.toolSearch === true);
  if ((search !== undefined && search !== false) || onSomewhere) {
    const ns = isMap(search) && typeof search.namespace === 'string' ? search.namespace : TOOL_SEARCH_DEFAULTS.namespace;
    const taken = owners.get(ns);
    if (taken) issues.push({ path: ['toolSearch', 'namespace'], message: `'${ns}' is the namespace of server '${taken[0]!.name}' (set toolSearch.namespace to another name)` });
  }
  for (const [ns, users] of owners) {
    if (users.length < 2) continue;
    // Blame the servers that chose the namespace explicitly, not the one whose name it is.
    const owner = users.find((u) => !u.explicit) ?? users[0]!;
    for (const u of users) {
      if (u === owner) continue;
      const message = `'${ns}' is already used by ${formatPath([key, owner.name])} (namespaces must be unique)`;
      issues.push({ path: [key, u.name, 'namespace'], message });
    }
  }
}

/** Null-prototype maps, so that a tool called `constructor` or `toString` never finds an inherited entry. */
function dict<V = string>(m: Record<string, V> | undefined): Record<string, V> {
  return Object.assign(Object.create(null) as Record<string, V>, m);
}

function buildServer(name: string, entry: RawServer | RawBuiltin): ServerConfig {
  // A built-in shares the gateway keys (namespace, enabled, timeouts, tools) with every other entry.
  const s = entry as RawServer;
  const t = transportOf(s.transport ?? s.type);
  const common = {
    name,
    namespace: s.namespace ?? name,
    enabled: s.enabled ?? true,
    timeoutMs: s.timeoutMs ?? DEFAULTS.timeoutMs,
    connectTimeoutMs: s.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
    // Absent means 'auto' (negotiate), and stays absent so configs without it read as before.
    ...(s.protocol !== undefined && { protocol: s.protocol }),
    ...(s.maxMessageBytes !== undefined && { maxMessageBytes: s.maxMessageBytes }),
    ...(s.tasks !== undefined && { tasks: s.tasks }),
    tools: {
      ...(s.tools?.include && { include: s.tools.include }),
      ...(s.tools?.exclude && { exclude: s.tools.exclude }),
      rename: dict(s.tools?.rename),
      ...(s.tools?.override && { override: dict(s.tools.override as Record<string, ToolOverride>) }),
      ...(s.tools?.pin === false && { pin: false as const }),
      ...(s.tools?.hiddenText !== undefined && { hiddenText: s.tools.hiddenText }),
    },
    ...buildUpstreamAuth(s),
    ...serverResilience(s),
  };
  if (isRawBuiltin(entry)) return { ...common, transport: 'builtin', builtin: entry.builtin, options: builtinOptions(entry) } as ServerConfig;
  if (s.command !== undefined) {
    return {
      transport: 'stdio',
      ...common,
      command: s.command,
      args: s.args ?? [],
      env: dict(s.env),
      ...(s.cwd !== undefined && { cwd: s.cwd }),
      ...(s.envFile !== undefined && { envFile: s.envFile }),
      ...(s.watch !== undefined && { watch: s.watch }),
    };
  }
  return { transport: t === 'sse' ? 'sse' : 'http', ...common, ...moveUrlCredentials(s.url!, dict(s.headers)) };
}

/** A server that authorizes with OAuth needs the `oauth:` section's store and callback (its defaults when absent). */
const usesOAuth = (servers: Record<string, RawServer | RawBuiltin>) => Object.values(servers).some((s) => (s as RawServer).auth?.oauth !== undefined);

/** The given keys only, so that an absent limit stays absent (the server's default applies). */
function withoutUndefined<T extends object>(m: T): T {
  return Object.fromEntries(Object.entries(m).filter(([, v]) => v !== undefined)) as T;
}

function build(raw: RawConfig): GatewayConfig {
  const servers = raw.servers ?? raw.mcpServers ?? {};
  return {
    listen: { ...withoutUndefined(raw.listen ?? {}), host: raw.listen?.host ?? DEFAULTS.host, port: raw.listen?.port ?? DEFAULTS.port, path: raw.listen?.path ?? DEFAULTS.path },
    separator: raw.separator ?? DEFAULTS.separator,
    ...(raw.roots && { roots: raw.roots }),
    ...buildObservability(raw),
    ...(raw.auth && { auth: buildAuth(raw.auth), authenticated: true }),
    ...(raw.policy && { policy: buildPolicy(raw.policy) }),
    ...(raw.resilience && { resilience: raw.resilience }),
    ...cacheSection(raw.cache),
    ...(buildAudit(raw.audit) && { audit: buildAudit(raw.audit) }),
    ...(raw.cluster && { cluster: buildCluster(raw.cluster) }),
    ...(raw.pinning && { pinning: buildPinning(raw.pinning) }),
    ...(raw.toolSearch && { toolSearch: buildToolSearch(raw.toolSearch) }),
    ...(raw.endpoints && Object.keys(raw.endpoints).length > 0 && { endpoints: buildEndpoints(raw.endpoints) }),
    ...(raw.secretScan && { secretScan: buildSecretScan(raw.secretScan) }),
    ...(raw.hiddenText && { hiddenText: buildHiddenText(raw.hiddenText) }),
    ...(raw.tasks && { tasks: raw.tasks }),
    ...(usesOAuth(servers) && { oauth: buildOAuth(raw.oauth) }),
    // fromEntries keeps file order and cannot be tricked by a server named `__proto__`.
    servers: Object.fromEntries(Object.entries(servers).map(([name, s]) => [name, buildServer(name, s)])),
  };
}

/** Issues come back as display lines, in file order (top-level settings first, then server by server). */
export function validate(tree: unknown, earlier: Issue[] = [], skip: Set<string> = new Set()): { config?: GatewayConfig; issues: string[] } {
  const root = tree === null || tree === undefined ? {} : tree;
  const parsed = configSchema.safeParse(root);
  const issues = [...earlier];
  for (const iss of parsed.error?.issues ?? []) issues.push(...fromZod(iss));
  if (isMap(root)) checkStructure(root, issues);
  if (isMap(root)) {
    checkAuth(root, issues);
    checkCors(root, issues);
    checkCache(root, issues);
    checkOAuth(root, 'servers' in root ? 'servers' : 'mcpServers', issues);
    issues.push(...endpointIssues(root));
  }
  const relevant = issues.filter((i) => !(skip.has(JSON.stringify(i.path)) && !earlier.includes(i)));
  if (relevant.length === 0 && parsed.success) return { config: build(parsed.data), issues: [] };

  const order = isMap(root) ? Object.keys(root) : [];
  const servers = isMap(root) ? [root.servers, root.mcpServers].find(isMap) : undefined;
  const names = servers ? Object.keys(servers) : [];
  const rank = (i: Issue) => {
    const top = order.indexOf(String(i.path[0]));
    const server = i.path.length > 1 && (i.path[0] === 'servers' || i.path[0] === 'mcpServers') ? names.indexOf(String(i.path[1])) : -1;
    return [top, server];
  };
  const sorted = relevant
    .map((issue, n) => ({ issue, n, r: rank(issue) }))
    .sort((a, b) => a.r[0]! - b.r[0]! || a.r[1]! - b.r[1]! || a.n - b.n)
    .map(({ issue }) => formatIssue(issue));
  return { issues: [...new Set(sorted)] };
}
