// POST /admin/mode: switches degradation at runtime (gateway-wide or per server) until the next config reload, on
// every replica, and on those that start later (admin-changes.ts: what stands is kept in Redis).
// Body: { "mode": "read-only" | "normal" | null, "disabledTools": [...] | null, "server": "<name>" }; {} only reads.
import { isDeepStrictEqual } from 'node:util';
import type { AdminChange } from './admin-changes.js';
import type { GatewayResilience, ModeOverrides } from './resilience.js';

const MODES = ['normal', 'read-only'];

function parse(body: unknown, servers: string[]): { mode?: string | null; disabledTools?: string[] | null; server?: string } | string {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return 'expected a JSON object with mode, disabledTools and/or server';
  const { mode, disabledTools, server, ...rest } = body as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) return `unknown field(s) ${unknown.join(', ')}; expected mode, disabledTools, server`;
  if (mode !== undefined && mode !== null && !MODES.includes(String(mode))) return `mode: expected one of ${MODES.join(', ')}, or null to go back to the config's`;
  if (disabledTools !== undefined && disabledTools !== null && !(Array.isArray(disabledTools) && disabledTools.every((t) => typeof t === 'string' && t.length > 0))) {
    return "disabledTools: expected a list of tool names or glob patterns, or null to go back to the config's";
  }
  if (server !== undefined && !servers.includes(String(server))) return `server: no server named '${String(server)}' (known: ${servers.join(', ')})`;
  return body as { mode?: string | null; disabledTools?: string[] | null; server?: string };
}

/** `value` as the overrides another replica left standing, or why it is not. */
function overridesOf(value: unknown): ModeOverrides | string {
  const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  const slotProblem = (v: unknown) =>
    !isObject(v) ||
    (v.mode !== undefined && !MODES.includes(String(v.mode))) ||
    (v.disabledTools !== undefined && !(Array.isArray(v.disabledTools) && v.disabledTools.every((t) => typeof t === 'string')));
  if (slotProblem(value) || !isObject((value as Record<string, unknown>).servers)) return 'expected { mode?, disabledTools?, servers }';
  const servers = (value as { servers: Record<string, unknown> }).servers;
  const bad = Object.keys(servers).find((name) => slotProblem(servers[name]));
  return bad === undefined ? (value as ModeOverrides) : `servers.${bad}: expected { mode?, disabledTools? }`;
}

export function modeChange(resilience: GatewayResilience, servers: () => string[], changed: () => void): AdminChange {
  return {
    path: '/admin/mode',
    apply(body) {
      const asked = parse(body, servers());
      if (typeof asked === 'string') return { status: 400, body: { error: asked } };
      const o = resilience.overrides;
      if (asked.server !== undefined) o.servers[asked.server] ??= {};
      const slot = asked.server === undefined ? o : o.servers[asked.server]!;
      if (asked.mode !== undefined) {
        if (asked.mode === null) delete slot.mode;
        else slot.mode = asked.mode as 'normal' | 'read-only';
      }
      if (asked.disabledTools !== undefined) {
        if (asked.disabledTools === null) delete slot.disabledTools;
        else slot.disabledTools = asked.disabledTools;
      }
      const switched = asked.mode !== undefined || asked.disabledTools !== undefined;
      if (switched) changed();
      return { status: 200, body: { ...resilience.policy(), overrides: o }, readOnly: !switched };
    },
    standing: {
      now: () => resilience.overrides,
      takeUp(left) {
        const overrides = overridesOf(left);
        if (typeof overrides === 'string') throw new Error(overrides);
        if (isDeepStrictEqual(overrides, resilience.overrides)) return;
        resilience.overrides = overrides;
        changed();
      },
    },
  };
}
