// Clients' server entries as gateway `servers:` entries (`mcplex import`): the fields every client shares kept,
// the ones that differ translated (a URL's transport, a disabled flag, Gemini's tool lists and timeout), variables
// rewritten in the gateway's `${NAME}` form, and what has no equivalent named in a note rather than dropped silently.
import { homedir } from 'node:os';
import { dirname, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { ClientKind, Place } from './client-configs.js';
import { legacySsePaths } from '../server/http/options.js';
import { commonShape, isMap, strings } from './client-entries.js';

export type ServerEntry = Record<string, unknown>;

export interface Imported {
  servers: Record<string, ServerEntry>;
  /** Per source: where, the names its servers got, and the names they had there (`originals`). */
  sources: Array<{ place: Place; names: string[]; originals: string[] }>;
  notes: string[];
  /** Environment variables the entries refer to. */
  variables: Set<string>;
}

const stringMap = (v: unknown): Record<string, string> | undefined =>
  isMap(v) ? Object.fromEntries(Object.entries(v).filter((e): e is [string, string | number | boolean] => ['string', 'number', 'boolean'].includes(typeof e[1])).map(([k, x]) => [k, String(x)])) : undefined;

/** Where a client file keeps its servers: its key, or opencode's `mcp.servers` (its v2 files) when there is one. */
function serversOf(file: Record<string, unknown>, client: ClientKind): unknown {
  const listed = file[client.key];
  return client.id === 'opencode' && isMap(listed) && isMap(listed.servers) ? listed.servers : listed;
}

/** A list of entries each naming itself (Continue's `- name: …`) as entries by name. */
const byName = (list: unknown[]): Record<string, unknown> =>
  Object.fromEntries(list.filter((e): e is Record<string, unknown> => isMap(e) && typeof e.name === 'string').map(({ name, ...rest }) => [name as string, rest]));

/** The entries a client file holds: its servers key (a map, or a list of named entries), and Claude Code's per-project lists for `project`. */
export function entriesOf(file: unknown, client: ClientKind, project?: string): Record<string, unknown> {
  if (!isMap(file)) return {};
  const listed = serversOf(file, client);
  const own = isMap(listed) ? listed : Array.isArray(listed) ? byName(listed) : {};
  const projects = file.projects;
  const forProject = client.id === 'claude-code' && project && isMap(projects) && isMap(projects[project]) ? (projects[project] as Record<string, unknown>).mcpServers : undefined;
  return { ...own, ...(isMap(forProject) ? forProject : {}) };
}

/** Where in the client's file the entry `name` of `entriesOf` is: Claude Code's project list wins, as there. */
export function pathOf(file: unknown, client: ClientKind, project: string | undefined, name: string): string[] {
  const projects = isMap(file) ? file.projects : undefined;
  const list = client.id === 'claude-code' && project && isMap(projects) && isMap(projects[project]) ? (projects[project] as Record<string, unknown>).mcpServers : undefined;
  if (isMap(list) && name in list) return ['projects', project!, 'mcpServers', name];
  return isMap(file) && client.id === 'opencode' && isMap(file.mcp) && isMap(file.mcp.servers) ? ['mcp', 'servers', name] : [client.key, name];
}

/** The URLs that reach the gateway at `url`: it, and its legacy SSE stream (`/mcp` → `/sse`). */
function gatewayUrls(url: string): string[] {
  if (url === '') return [];
  try {
    return [url, new URL(legacySsePaths(new URL(url).pathname).stream, url).href];
  } catch {
    return [url];
  }
}

/** An entry that is the gateway itself (a client already pointed at it): `mcplex serve --stdio`, or its URL (its SSE one too). */
export function isGateway(raw: Record<string, unknown>, url: string): boolean {
  const words = [raw.command, ...(strings(raw.args) ?? [])].map(String);
  const urls = gatewayUrls(url);
  return [raw.url, raw.serverUrl, raw.httpUrl].some((u) => typeof u === 'string' && urls.includes(u)) || (words.some((w) => /mcplex|cli[\\/]main\.js$/.test(w)) && words.includes('serve') && words.includes('--stdio'));
}

/** Rewrites a client's variable references in the gateway's syntax; `$${` for a literal `${`. */
function rewrite(text: string, client: ClientKind, place: Place, found: Set<string>, note: (what: string) => void): string {
  const named = (name: string) => {
    found.add(name);
    return `\${${name}}`;
  };
  // `[^}]*`, or one `{…}` inside: Continue's `${{ secrets.NAME }}`.
  const withBraces = text.replace(/\$\{(\{[^}]*\}|[^}]*)\}/g, (whole, inner: string) => {
    const continued = client.variables === 'continue' ? /^\{\s*(?:secrets|inputs)\.([\w-]+)\s*\}$/.exec(inner) : null;
    if (continued) return named(continued[1]!.toUpperCase().replace(/[^A-Z0-9_]/g, '_'));
    if (client.variables === 'none' || client.variables === 'continue' || client.variables === 'opencode') return `$${whole}`;
    const env = /^env:([A-Za-z_][A-Za-z0-9_]*)$/.exec(inner);
    if (env && client.variables === 'env-prefixed') return named(env[1]!);
    const plain = /^([A-Za-z_][A-Za-z0-9_]*)(:-.*)?$/s.exec(inner);
    if (plain && client.variables !== 'env-prefixed') {
      found.add(plain[1]!);
      return whole;
    }
    if (inner === 'userHome') return homedir();
    if (inner === 'workspaceFolder' && place.project) return place.project;
    const input = /^input:([\w.-]+)$/.exec(inner);
    if (input) {
      const name = input[1]!.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
      note(`${whole} (asked for by ${client.label}) is \${${name}}: set ${name} in the gateway's environment`);
      return named(name);
    }
    note(`${whole} has no equivalent in the gateway file: kept as the literal text`);
    return `$${whole}`;
  });
  if (client.variables === 'shell') return withBraces.replace(/(?<!\$)\$([A-Za-z_][A-Za-z0-9_]*)/g, (_, name: string) => named(name));
  // opencode's `{env:NAME}`; its `{file:path}` (the file's text) has no equivalent.
  if (client.variables === 'opencode') {
    return withBraces.replace(/(?<!\$)\{(env|file):([^}]+)\}/g, (whole, kind: string, name: string) => {
      if (kind === 'env' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return named(name);
      note(`${whole} has no equivalent in the gateway file: kept as the literal text`);
      return whole;
    });
  }
  return withBraces;
}

/** The fields every client writes the same way, and the ones translated; the rest are named in a note. */
const KEPT = new Set(['command', 'args', 'env', 'cwd', 'headers']);
const TRANSLATED = new Set(['type', 'transport', 'url', 'serverUrl', 'httpUrl', 'disabled', 'enabled', 'includeTools', 'excludeTools', 'disabledTools', 'tools', 'timeout']);

function convert(given: Record<string, unknown>, place: Place, found: Set<string>, note: (what: string) => void): ServerEntry | undefined {
  const { client } = place;
  const raw = commonShape(client.id, given);
  if (typeof raw.notImported === 'string') {
    note(raw.notImported);
    return undefined;
  }
  const text = (v: string) => rewrite(v, client, place, found, note);
  const out: ServerEntry = {};
  if (typeof raw.command === 'string') out.command = text(raw.command);
  const args = strings(raw.args);
  if (args?.length) out.args = args.map(text);
  const map = (key: 'env' | 'headers') => {
    const found = stringMap(raw[key]);
    if (found && Object.keys(found).length > 0) out[key] = Object.fromEntries(Object.entries(found).map(([k, v]) => [k, text(v)]));
  };
  map('env');
  if (typeof raw.cwd === 'string') out.cwd = text(raw.cwd);
  // Gemini: `url` is SSE and `httpUrl` Streamable HTTP; the others say it with `type` (an SSE path told by its name).
  const url = [raw.httpUrl, raw.url, raw.serverUrl].find((u) => typeof u === 'string') as string | undefined;
  if (url !== undefined && out.command === undefined) {
    out.url = text(url);
    const type = String(raw.type ?? raw.transport ?? '').toLowerCase();
    const sse = type === 'sse' || (client.id === 'gemini' ? raw.httpUrl === undefined : type === '' && /\/sse\/?(\?|$)/.test(url));
    if (sse) out.transport = 'sse';
    map('headers');
  }
  if (out.command === undefined && out.url === undefined) {
    note('has neither a command nor a URL: not imported');
    return undefined;
  }
  if (raw.disabled === true || raw.enabled === false) out.enabled = false;
  // Gemini's includeTools/excludeTools; Copilot CLI's `tools` (the ones it may call; "*": all); Kiro's disabledTools.
  const allowed = strings(raw.tools);
  const include = strings(raw.includeTools) ?? (allowed && !allowed.includes('*') ? allowed : undefined);
  const exclude = strings(raw.excludeTools) ?? strings(raw.disabledTools);
  if (include || exclude) out.tools = { ...(include && { include }), ...(exclude && { exclude }) };
  // Gemini's and opencode's timeout (ms), Codex's tool_timeout_sec and Goose's timeout (made ms above): how long a call may take.
  const timed = client.id === 'gemini' || client.id === 'codex' || client.id === 'opencode' || client.id === 'goose';
  if (timed && typeof raw.timeout === 'number' && raw.timeout > 0) out.timeoutMs = Math.round(raw.timeout);
  // The gateway reads it as VS Code does; a relative path from where the client started (the project).
  if (typeof raw.envFile === 'string' && out.command !== undefined) out.envFile = resolve(place.project ?? dirname(place.path), text(raw.envFile));
  const dropped = Object.keys(raw).filter((k) => !KEPT.has(k) && !TRANSLATED.has(k) && !(k === 'envFile' && out.envFile !== undefined));
  if (!timed && raw.timeout !== undefined) dropped.push('timeout');
  if (dropped.length > 0) note(`${dropped.join(', ')}: no equivalent in the gateway file, left out`);
  return out;
}

/** A client's server name as a gateway server name: letters, digits, '_' and '-', without the separator '__'. */
const gatewayName = (name: string) => name.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/_{2,}/g, '_').replace(/^-+|-+$/g, '') || 'server';

/** The servers of every source, merged: one name per server (the same definition twice is one server). */
export function importServers(sources: Array<{ place: Place; entries: Record<string, unknown> }>, gatewayUrl = ''): Imported {
  const imported: Imported = { servers: {}, sources: [], notes: [], variables: new Set() };
  for (const { place, entries } of sources) {
    const names: string[] = [];
    const originals: string[] = [];
    for (const [original, raw] of Object.entries(entries)) {
      const note = (what: string) => imported.notes.push(`${place.client.label} '${original}': ${what}`);
      if (!isMap(raw)) {
        note('not a mapping: not imported');
        continue;
      }
      if (isGateway(commonShape(place.client.id, raw), gatewayUrl)) {
        note('the gateway itself: not imported');
        continue;
      }
      const entry = convert(raw, place, imported.variables, note);
      if (!entry) continue;
      originals.push(original);
      let name = gatewayName(original);
      const same = Object.entries(imported.servers).find(([, e]) => isDeepStrictEqual(e, entry))?.[0];
      if (same !== undefined && (same === name || same.startsWith(`${name}-`))) {
        names.push(same);
        continue;
      }
      for (let n = 2; imported.servers[name] !== undefined; n++) name = `${gatewayName(original)}-${n}`;
      if (name !== original) note(`named ${name} in the gateway`);
      imported.servers[name] = entry;
      names.push(name);
    }
    imported.sources.push({ place, names, originals });
  }
  return imported;
}
