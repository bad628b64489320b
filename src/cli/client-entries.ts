// Each client's own entry shape made the one most clients share (`command`, `args`, `env`, `url`, `headers`, Gemini's
// tool lists and `timeout` in ms), before `mcplex import` translates it: Zed's command object, Continue's request
// options, Codex's header and tool settings, opencode's command list.
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

const SHAPES: Partial<Record<ClientId, (raw: Record<string, unknown>) => Record<string, unknown>>> = { zed: zedEntry, continue: continueEntry, codex: codexEntry, opencode: opencodeEntry };

/** `raw` as the clients that write the common shape would have written it. */
export function commonShape(client: ClientId, raw: Record<string, unknown>): Record<string, unknown> {
  return SHAPES[client]?.(raw) ?? raw;
}
