// Required scopes: a tool (framework `scopes` field) or a gateway rule (per upstream, per tool) names the scopes
// a caller's token must carry. A missing scope is Forbidden with the scopes named, for an insufficient_scope challenge.
import { ErrorCode, type Middleware, type Principal, WireError } from '../core/index.js';
import { askedBy, itemMatcher, type OwnerOf } from './policy-target.js';

export interface ScopeRule {
  /** Item pattern (`tool:github__*`, `server:github`, `resource:…`, `prompt:…`, `*`). */
  resource: string;
  /** Every one of these is required. */
  scopes: readonly string[];
}

/** What the Forbidden error's data says, so the HTTP edge can answer `WWW-Authenticate: … error="insufficient_scope"`. */
export interface InsufficientScope {
  error: 'insufficient_scope';
  /** Space-separated, as the challenge's `scope` parameter wants it: every scope the request needs. */
  scope: string;
  missing: string[];
}

/** Throws Forbidden naming the scopes `principal` lacks for `what`; returns when it has them all. */
export function checkScopes(principal: Principal, required: readonly string[], what: string): void {
  if (required.length === 0) return;
  const missing = required.filter((s) => !principal.scopes.includes(s));
  if (missing.length === 0) return;
  const data: InsufficientScope = { error: 'insufficient_scope', scope: [...new Set(required)].join(' '), missing };
  throw new WireError(ErrorCode.Forbidden, `Insufficient scope: ${what} needs scope ${missing.map((s) => `'${s}'`).join(', ')}`, data);
}

/**
 * Checks scope rules on every request that acts on an item. Lists are not filtered by scope: a caller sees the
 * tool and learns from the refusal which scope to step up to (hiding is access control's job).
 */
export function requiredScopes(rules: readonly ScopeRule[], opts: { ownerOf?: OwnerOf } = {}): Middleware {
  const compiled = rules.map((r) => ({ match: itemMatcher(r.resource, opts.ownerOf), scopes: r.scopes }));
  return (ctx, next) => {
    const asked = askedBy(ctx);
    if (!asked) return next();
    // A loop, not filter/flatMap: this runs on every call.
    const required: string[] = [];
    for (const rule of compiled) if (rule.match(asked)) required.push(...rule.scopes);
    if (required.length > 0) checkScopes(ctx.principal, required, `${asked.kind} '${asked.name}'`);
    return next();
  };
}
