// `mcplex oauth list|forget`: the command line's own grants (`--oauth`), kept in its grants file: which servers it
// holds one for, and letting go of one (revoked at its authorization server, then forgotten), so the next `--oauth`
// command logs in again (as another account, say).
import type { Command } from 'commander';
import { serverOfGrant } from '../client/oauth-grant-records.js';
import { GATEWAY_GRANT, OAuthGrants } from '../client/oauth-grants.js';
import { NO_REVOCATION_ENDPOINT } from '../client/token-revocation.js';
import { type SecretStore, silentLogger } from '../core/index.js';
import { FileSecretStore } from '../stores/file/secret-file.js';
import { grantsFile, sealedWithEnvKey } from './client-oauth.js';
import { ExitError } from './exit-error.js';

interface Held {
  server: string;
  /** What the grant was given for, when the file can be read (a sealed one needs MCPLEX_OAUTH_KEY). */
  scope?: string;
  refreshable?: boolean;
  /** The file is sealed and MCPLEX_OAUTH_KEY is not set (or another): the grant is named, not read. */
  sealed?: true;
}

async function held(): Promise<{ file: FileSecretStore; grants: Held[] }> {
  const file = new FileSecretStore(grantsFile());
  const store = sealedWithEnvKey(file);
  const grants: Held[] = [];
  for (const key of await file.keys()) {
    const server = serverOfGrant(key, GATEWAY_GRANT);
    if (server === undefined) continue;
    const tokens = readable(await store.get(key));
    grants.push({ server, ...(tokens ? { ...(tokens.scope && { scope: tokens.scope }), refreshable: tokens.refresh_token !== undefined } : { sealed: true }) });
  }
  return { file, grants };
}

/** A grant's tokens, or undefined when they cannot be read (sealed, and MCPLEX_OAUTH_KEY not set or another). */
function readable(value: string | undefined): { scope?: string; refresh_token?: string } | undefined {
  try {
    return value === undefined ? undefined : (JSON.parse(value) as { scope?: string; refresh_token?: string });
  } catch {
    return undefined;
  }
}

export function registerOAuthCommands(program: Command): void {
  const cmd = program.command('oauth').description("The command line's OAuth grants (--oauth): list them, forget one");
  cmd
    .command('list')
    .description(`Servers the command line holds a grant for (in ${grantsFile()}; MCPLEX_OAUTH_FILE)`)
    .option('--json', 'print them as JSON')
    .action(async (o: { json?: boolean }) => {
      const { grants } = await held();
      if (o.json) return void process.stdout.write(`${JSON.stringify(grants, null, 2)}\n`);
      if (grants.length === 0) return void process.stderr.write(`no grants in ${grantsFile()}\n`);
      for (const g of grants) {
        const about = g.sealed ? '(sealed: set MCPLEX_OAUTH_KEY to read it)' : `${g.scope ? `scope "${g.scope}"` : 'no scope named'}${g.refreshable ? ', refreshable' : ''}`;
        process.stdout.write(`${g.server}  ${about}\n`);
      }
    });
  cmd
    .command('forget [url]')
    .description('Revoke the grant for a server at its authorization server (RFC 7009) and forget it: the next --oauth command logs in again')
    .option('--all', 'every grant the command line holds (signing out everywhere)')
    .option('--no-revoke', 'only forget it here (the server is gone, say); its tokens stay good at the authorization server until they expire')
    .action(async (url: string | undefined, o: { revoke: boolean; all?: boolean }) => {
      if ((url === undefined) === !o.all) throw new ExitError('name the server (mcplex oauth forget <url>), or --all', 2);
      const { file, grants } = await held();
      const same = (a: string) => a === url || (url !== undefined && URL.canParse(a) && URL.canParse(url) && new URL(a).href === new URL(url).href);
      const found = o.all ? grants : grants.filter((g) => same(g.server));
      if (found.length === 0) throw new ExitError(o.all ? `no grants in ${grantsFile()}` : `no grant for ${url} in ${grantsFile()} (mcplex oauth list shows them)`, 1);
      // One not revoked when it could have been: a nonzero exit, for scripts that revoke on purpose.
      for (const g of found) if (!(await letGo(g, file, o.revoke))) process.exitCode = 1;
    });
}

/** Revokes (unless not asked to) and forgets `g`, saying what became of it; false when it could not be revoked. */
async function letGo(g: Held, file: FileSecretStore, revoke: boolean): Promise<boolean> {
  const secret = process.env.MCPLEX_OAUTH_CLIENT_SECRET || undefined;
  const grantsOf = (store: SecretStore) => new OAuthGrants(g.server, g.server, { redirectUrl: () => '', ...(secret && { clientSecret: secret }) }, store, silentLogger);
  const forgot = `forgot the grant for ${g.server}; the next --oauth command logs in again`;
  if (!revoke || g.sealed) {
    await grantsOf(file).forget(GATEWAY_GRANT);
    const why = revoke ? ' (not revoked at its authorization server: the grants file is sealed; set MCPLEX_OAUTH_KEY to read it)' : '';
    process.stderr.write(`${forgot}${why}\n`);
    return true;
  }
  const revocation = await grantsOf(sealedWithEnvKey(file)).revoke(GATEWAY_GRANT);
  const how = revocation?.revoked ? `revoked it at ${revocation.at} and ` : '';
  process.stderr.write(`${how}${forgot}${revocation && !revocation.revoked ? ` (not revoked: ${revocation.reason})` : ''}\n`);
  return !(revocation && !revocation.revoked && !revocation.reason.startsWith(NO_REVOCATION_ENDPOINT));
}
