// Capabilities (seed 004's model): `{ resource: pattern, actions, constraints? }` granted per principal id, per
// role, or to everyone; compiled once into a lookup of the capabilities that apply to a principal and an item.
import type { Principal } from '../core/index.js';
import { type ArgumentRule, compileArguments } from './access-constraints.js';
import { type Action, type Asked, type Item, itemMatcher, type OwnerOf } from './policy-target.js';

export interface Capability {
  /** `tool:<glob>`, `resource:<uri glob>`, `prompt:<glob>`, `server:<upstream glob>` or `*`; a list means any of them. */
  resource: string | readonly string[];
  /** What it allows: call, read, get (each implies list, complete, subscribe), or list/complete/subscribe alone, or '*'. */
  actions: readonly (Action | '*')[];
  constraints?: Constraints;
}

export interface Constraints {
  /** Valid from (ISO date-time or ms since the epoch). Outside its window a capability does not exist. */
  notBefore?: string | number;
  /** Valid until (ISO date-time or ms since the epoch). */
  validUntil?: string | number;
  /** Per argument name: a glob the string must match, numeric bounds, allowed values. Checked on call and get. */
  arguments?: Record<string, ArgumentRule>;
  /** At most `limit` uses per `windowMs` per principal (counted in the rate-limit store). */
  maxCalls?: { limit: number; windowMs: number };
  /**
   * Only on these named endpoints (HttpServeOptions.endpoints; `main` is the main MCP path, stdio and in-memory
   * connections): elsewhere the capability does not exist.
   */
  endpoints?: readonly string[];
}

/** The name `constraints.endpoints` gives the main MCP path (and stdio, in memory): requests with no endpoint. */
export const MAIN_ENDPOINT = 'main';

export interface AccessPolicy {
  /** Role name → capabilities. A principal's roles come from authentication and from `principals[id].roles`. */
  roles?: Record<string, readonly Capability[]>;
  /** Principal id → roles and capabilities of its own. */
  principals?: Record<string, { roles?: readonly string[]; capabilities?: readonly Capability[] }>;
  /** Capabilities every principal holds (anonymous included). */
  everyone?: readonly Capability[];
}

/** A capability ready to test; `id` names it in rate-limit keys ("max calls per window"). */
export interface CompiledCapability {
  readonly id: string;
  readonly source: Capability;
  matches(item: Item): boolean;
  allows(action: Action): boolean;
  validAt(now: number): boolean;
  /** Whether it holds on `endpoint` (undefined: the main path). */
  on(endpoint: string | undefined): boolean;
  /** Why these arguments are refused, or undefined when they pass. */
  argumentProblem(args: Record<string, unknown>): string | undefined;
}

const PRIMARY = new Set<Action>(['call', 'read', 'get']);
const time = (v: string | number | undefined, fallback: number) => (v === undefined ? fallback : typeof v === 'number' ? v : Date.parse(v));

function compileCapability(cap: Capability, id: string, ownerOf?: OwnerOf): CompiledCapability {
  const patterns = (typeof cap.resource === 'string' ? [cap.resource] : cap.resource).map((p) => itemMatcher(p, ownerOf));
  const actions = new Set(cap.actions);
  const all = actions.has('*');
  const primary = [...actions].some((a) => PRIMARY.has(a as Action));
  const from = time(cap.constraints?.notBefore, -Infinity);
  const until = time(cap.constraints?.validUntil, Infinity);
  if (Number.isNaN(from) || Number.isNaN(until)) throw new Error(`capability ${id}: notBefore/validUntil must be an ISO date-time or epoch ms`);
  const args = compileArguments(cap.constraints?.arguments ?? {});
  const endpoints = cap.constraints?.endpoints && new Set(cap.constraints.endpoints);
  return {
    id,
    source: cap,
    matches: (item) => patterns.some((m) => m(item)),
    allows: (action) => all || actions.has(action) || (primary && !PRIMARY.has(action)),
    validAt: (now) => now >= from && now < until,
    on: endpoints ? (endpoint) => endpoints.has(endpoint ?? MAIN_ENDPOINT) : () => true,
    argumentProblem: args,
  };
}

export interface CompiledPolicy {
  /**
   * The capabilities, valid at `now` and on `endpoint` (undefined: the main path), that let `principal` do `asked` to
   * its item (arguments not yet checked).
   */
  grants(principal: Principal, asked: Asked, now: number, endpoint?: string): CompiledCapability[];
}

export function compilePolicy(policy: AccessPolicy, ownerOf?: OwnerOf): CompiledPolicy {
  const compile = (caps: readonly Capability[] | undefined, at: string) => (caps ?? []).map((c, i) => compileCapability(c, `${at}[${i}]`, ownerOf));
  const roles = new Map(Object.entries(policy.roles ?? {}).map(([name, caps]) => [name, compile(caps, `roles.${name}`)]));
  const principals = new Map(
    Object.entries(policy.principals ?? {}).map(([id, p]) => [id, { roles: p.roles ?? [], own: compile(p.capabilities, `principals.${id}`) }]),
  );
  const everyone = compile(policy.everyone, 'everyone');

  // Principals are immutable and usually live as long as a connection or token: their capability list is
  // gathered once per principal object, not once per request and listed item.
  const gathered = new WeakMap<Principal, CompiledCapability[]>();
  const held = (principal: Principal): CompiledCapability[] => {
    let caps = gathered.get(principal);
    if (!caps) {
      const entry = principals.get(principal.id);
      const roleNames = new Set([...(principal.roles ?? []), ...(entry?.roles ?? [])]);
      caps = [...everyone, ...(entry?.own ?? []), ...[...roleNames].flatMap((r) => roles.get(r) ?? [])];
      gathered.set(principal, caps);
    }
    return caps;
  };

  return {
    grants: (principal, asked, now, endpoint) => held(principal).filter((c) => c.validAt(now) && c.on(endpoint) && c.allows(asked.action) && c.matches(asked)),
  };
}
