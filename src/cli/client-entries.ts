// Each client's own entry shape made the one most clients share (`command`, `args`, `env`, `url`, `headers`, Gemini's
// tool lists and `timeout` in ms), before `mcplex import` translates it: Zed's command object, Continue's request
// options, Codex's header and tool settings, opencode's command list, Goose's extension fields.
import type { ClientId } from './client-configs.js';

export const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
export const strings = (v: unknown): string[] | undefined => (Array.isArray(v) && v.every((s) => typeof s === 'string') ? v : undefined);

/** Continue's entry in the shape the others share: its `requestOptions.headers` as `headers` (the rest of them noted). */
function continueEntry(raw: Record<string, unknown>): Record<string, unknown> {
  const { requestOptions, ...rest } = raw;
  if (!isMap(requestOptions)) return raw;
  const { headers, ...others } = requestOptions;
  return { ...rest, ...(headers !== undefined && { headers }), ...(Object.keys(others).length > 0 && { requestOptions: others }) };
}

/** Codex's entry in the shape the others share: its headers (as written, from variables, a bearer token's variable), its tool lists, the variables it passes on, its tool timeout. */
function codexEntry(raw: Record<string, unknown>): Record<string, unknown> {
  const { http_headers, env_http_headers, bearer_token_env_var: bearer, env_vars, enabled_tools, disabled_tools, tool_timeout_sec, ...rest } = raw;
  const fromVariables = isMap(env_http_headers) ? Object.fromEntries(Object.entries(env_http_headers).map(([h, name]) => [h, `\${${String(name)}}`])) : {};
  const headers = { ...(isMap(http_headers) ? http_headers : {}), ...fromVariables, ...(typeof bearer === 'string' && { Authorization: `Bearer \${${bearer}}` }) };
  const passed = Object.fromEntries((strings(env_vars) ?? []).map((name) => [name, `\${${name}}`]));
  return {
    ...rest,
    ...(Object.keys(headers).length > 0 && { headers }),
    ...(Object.keys(passed).length > 0 && { env: { ...passed, ...(isMap(rest.env) ? rest.env : {}) } }),
    ...(enabled_tools !== undefined && { includeTools: enabled_tools }),
    ...(disabled_tools !== undefined && { excludeTools: disabled_tools }),
    ...(typeof tool_timeout_sec === 'number' && { timeout: tool_timeout_sec * 1000 }),
  };
}

/** opencode's entry in the shape the others share: `command` a list (the program first), `environment` its `env`. */
function opencodeEntry(raw: Record<string, unknown>): Record<string, unknown> {
  const { command, environment, ...rest } = raw;
  const words = strings(command);
  return { ...rest, ...(words ? { command: words[0], args: words.slice(1) } : command !== undefined && { command }), ...(environment !== undefined && { env: environment }) };
}

/** Zed's entry in the shape the others share: its older `command: { path, args, env }`, and `source` (meta) left out. */
function zedEntry(raw: Record<string, unknown>): Record<string, unknown> {
  const { source: _source, command, ...rest } = raw;
  if (!isMap(command)) return { ...rest, ...(command !== undefined && { command }) };
  return { ...rest, command: command.path, ...(command.args !== undefined && { args: command.args }), ...(command.env !== undefined && { env: command.env }) };
}

/** Goose's own extensions: part of it, not MCP servers. */
const GOOSE_OWN = new Set(['builtin', 'platform', 'frontend', 'inline_python']);

/**
 * Goose's extension in the shape the others share: `cmd`, `envs`, `uri` (its `type` the transport), the variables it
 * keeps in its keyring (`env_keys`) as `${NAME}`, `available_tools` (none: all), `timeout` in seconds; its name and
 * description are its own. One of its own extensions is said to be no server (`notImported`).
 */
function gooseEntry(raw: Record<string, unknown>): Record<string, unknown> {
  const { type, cmd, envs, env_keys, uri, available_tools, timeout, name: _name, display_name: _display, description: _description, bundled: _bundled, ...rest } = raw;
  const kind = String(type ?? '').toLowerCase();
  if (GOOSE_OWN.has(kind)) return { notImported: `a Goose ${kind} extension (part of Goose, not an MCP server): not imported` };
  const env = { ...Object.fromEntries((strings(env_keys) ?? []).map((name) => [name, `\${${name}}`])), ...(isMap(envs) ? envs : {}) };
  const tools = strings(available_tools);
  return {
    ...rest,
    ...(cmd !== undefined && { command: cmd }),
    ...(Object.keys(env).length > 0 && { env }),
    ...(uri !== undefined && { url: uri, type: kind === 'sse' ? 'sse' : 'http' }),
    ...(tools && tools.length > 0 && { includeTools: tools }),
    ...(typeof timeout === 'number' && { timeout: timeout * 1000 }),
  };
}

const SHAPES: Partial<Record<ClientId, (raw: Record<string, unknown>) => Record<string, unknown>>> = { zed: zedEntry, continue: continueEntry, codex: codexEntry, opencode: opencodeEntry, goose: gooseEntry };

/** `raw` as the clients that write the common shape would have written it. */
export function commonShape(client: ClientId, raw: Record<string, unknown>): Record<string, unknown> {
  return SHAPES[client]?.(raw) ?? raw;
}
