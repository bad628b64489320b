// What an administrator does with the upstream OAuth grants the gateway holds (docs/upstream-auth.md):
//   GET  /admin/oauth/callers   each perCaller server's callers holding a grant (whom, its scope and expiry; never
//                               its tokens), at most MAX_LISTED per server
//   POST /admin/oauth/forget    lets go of grants, each revoked at the authorization server that issued it (RFC 7009,
//                               client/token-revocation.ts) unless `revoke: false`, then forgotten:
//     { "server": "<name>" }                                  the gateway's own grant for that server
//     { "principal": "<id>", "tenant"?: "<t>", "server"?: … }  a caller's grants (perCaller servers), for one server or
//                                                             all (offboarding someone, a credential of theirs stolen)
//   Made on every replica (admin-changes.ts): each drops the access tokens it keeps in memory.
import { GATEWAY_GRANT, type OAuthGrants } from '../client/oauth-grants.js';
import type { Revocation } from '../client/token-revocation.js';
import type { Logger, PrincipalKind } from '../core/index.js';
import type { ChangeAnswer } from './admin-changes.js';
import { principalKeyOf, principalOfKey } from './isolation/router.js';

/** An upstream that authorizes with OAuth, and whether each caller holds a grant of their own there. */
export interface OAuthServerGrants {
  server: string;
  grants: OAuthGrants;
  perCaller: boolean;
}

/** Every kind of principal a per-caller grant may be held for (the grant's key names the kind). */
const KINDS: readonly PrincipalKind[] = ['jwt', 'apiKey', 'mtls', 'local', 'anonymous'];

/** Callers listed per server at most; the answer says when there were more. */
export const MAX_LISTED = 1000;

/** Each perCaller server's callers holding a grant, with what the grant is (never its tokens). */
export async function callerGrants(servers: OAuthServerGrants[]): Promise<unknown> {
  return {
    servers: await Promise.all(
      servers
        .filter((s) => s.perCaller)
        .map(async ({ server, grants }) => {
          const keys = (await grants.holders()).filter((k) => k !== GATEWAY_GRANT);
          const callers = await Promise.all(
            keys.slice(0, MAX_LISTED).map(async (key) => {
              const { id, tenant, kind } = principalOfKey(key) ?? { id: key, kind: 'anonymous' as const };
              const grant = await grants.facts(key);
              return { principal: id, ...(tenant !== undefined && { tenant }), kind, ...(grant && { grant }) };
            }),
          );
          return { server, callers, ...(keys.length > MAX_LISTED && { truncated: true }) };
        }),
    ),
  };
}

/** What became of one grant let go of. */
type LetGo = { server: string } & (Revocation | { revoked: false; reason: string });

export async function forgetGrants(body: unknown, servers: OAuthServerGrants[], log: Logger): Promise<ChangeAnswer> {
  const b = (body ?? {}) as { server?: unknown; principal?: unknown; tenant?: unknown; revoke?: unknown };
  const names = servers.map((s) => s.server);
  const named = typeof b.server === 'string' ? servers.find((s) => s.server === b.server) : undefined;
  if (b.server !== undefined && !named) return { status: 404, body: { error: `expected "server" naming a server with auth.oauth (${names.length > 0 ? names.join(', ') : 'none is configured'})` } };
  if (b.tenant !== undefined && typeof b.tenant !== 'string') return { status: 400, body: { error: 'expected "tenant" to be the caller\'s tenant (a string)' } };
  const revoke = b.revoke !== false;
  if (b.principal === undefined) {
    if (!named) return { status: 404, body: { error: `expected { "server": "<name>" } naming a server with auth.oauth (${names.length > 0 ? names.join(', ') : 'none is configured'}), or { "principal": "<id>" } for a caller's grants` } };
    const done = await letGo(named, GATEWAY_GRANT, revoke, log, "the gateway's");
    return { status: 200, body: { server: named.server, authorized: false, ...(done ? strip(done) : { revoked: false, reason: 'no grant was held' }) } };
  }
  if (typeof b.principal !== 'string' || b.principal === '') return { status: 400, body: { error: 'expected "principal" to be the caller\'s id (as the audit log names them)' } };
  if (named && !named.perCaller) return { status: 400, body: { error: `'${named.server}' does not authorize per caller: its one grant is the gateway's ({ "server": "${named.server}" })` } };
  const tenant = b.tenant as string | undefined;
  const whose = `${b.principal}${tenant === undefined ? '' : ` (tenant ${tenant})`}'s`;
  const released: LetGo[] = [];
  for (const s of named ? [named] : servers.filter((x) => x.perCaller)) {
    for (const kind of KINDS) {
      const done = await letGo(s, principalKeyOf({ id: b.principal, kind, ...(tenant !== undefined && { tenant }) }), revoke, log, whose);
      if (done) released.push(done);
    }
  }
  return { status: 200, body: { principal: b.principal, ...(tenant !== undefined && { tenant }), grants: released } };
}

const strip = ({ server: _server, ...rest }: LetGo) => rest;

/** Lets go of `key`'s grant at `s`, if one is held: revoked there (unless not asked to), forgotten here. */
async function letGo(s: OAuthServerGrants, key: string, revoke: boolean, log: Logger, whose: string): Promise<LetGo | undefined> {
  if (!revoke) {
    if (!(await s.grants.has(key))) return undefined;
    await s.grants.forget(key);
    log.info({ upstream: s.server }, `${whose} OAuth grant for this server was dropped (not revoked: asked not to)`);
    return { server: s.server, revoked: false, reason: 'not revoked: asked not to' };
  }
  const revocation = await s.grants.revoke(key);
  if (!revocation) return undefined;
  if (revocation.revoked) log.info({ upstream: s.server, revokedAt: revocation.at }, `${whose} OAuth grant for this server was revoked and dropped`);
  else log.warn({ upstream: s.server, problem: revocation.reason }, `${whose} OAuth grant for this server was dropped here but not revoked at its authorization server`);
  return { server: s.server, ...revocation };
}
