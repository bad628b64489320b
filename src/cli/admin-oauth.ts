// `mcplex admin oauth …`: the gateway's grants at upstream servers with their own OAuth login (`auth.oauth`,
// docs/upstream-auth.md), from a terminal: which servers it is authorized at, starting an authorization (the URL to
// open in a browser, opened there with --browser, and with --wait until the gateway holds the grant; the
// authorization server sends the browser back to the gateway's callback), letting a grant go (revoked
// at the server that issued it), and the callers holding grants of their own on `perCaller` servers.
import type { Command } from 'commander';
import { openInBrowser } from '../client/open-browser.js';
import { type AdminOptions, type AdminTarget, adminRequest, print } from './admin-api.js';
import { ExitError } from './exit-error.js';

type Grant = { scope?: string; expiresAt?: string; refreshable?: boolean; dpop?: boolean };
type Refusal = { at: string; error: string; description?: string };
type Server = { server: string; perCaller?: boolean; authorized: boolean; grant?: Grant; authorizationUrl?: string; needsScope?: string; refused?: Refusal };
type LetGo = { server: string; revoked: boolean; at?: string; reason?: string };


const grantText = (g: Grant | undefined) =>
  g ? [g.scope && `scope ${g.scope}`, g.expiresAt && `expires ${g.expiresAt}`, g.refreshable ? 'refreshable' : 'not refreshable', g.dpop && 'DPoP-bound'].filter(Boolean).join(', ') : '';

const refusalText = (r: Refusal) => `refused at ${r.at}: ${r.error}${r.description ? ` (${r.description})` : ''}`;

const letGoText = (r: LetGo) => `${r.server}: ${r.revoked ? `revoked at its authorization server (${r.at})` : `dropped here, not revoked there (${r.reason})`}`;

async function list(t: AdminTarget, o: AdminOptions): Promise<void> {
  const answer = await adminRequest(t, '/admin/oauth');
  if (o.json) return print(JSON.stringify(answer));
  const servers = (answer.servers ?? []) as Server[];
  const lines = servers.map((s) => {
    const state = s.authorized ? `authorized (${grantText(s.grant)})` : 'NOT authorized';
    const more = [s.perCaller && 'callers authorize for themselves too', s.needsScope && `asks for more scope: ${s.needsScope}`, s.refused && `the last authorization was ${refusalText(s.refused)}`, s.authorizationUrl && `open ${s.authorizationUrl}`].filter(Boolean);
    return [`${s.server}: ${state}`, ...more.map((m) => `  ${m}`)].join('\n');
  });
  print([`callback ${String(answer.callbackUrl)}`, ...(lines.length > 0 ? lines : ['no server authorizes with OAuth (auth.oauth)'])].join('\n'));
}

type AuthorizeOptions = AdminOptions & { browser?: boolean; wait?: string | true };

/** How long `authorize --wait` waits for the person when given no number of seconds. */
const WAIT_S = 600;
const POLL_MS = 1000;

/**
 * Starts the gateway's authorization at `server`: prints the URL (opened in the desktop's browser with --browser, the
 * default at a terminal); with --wait, waits until the gateway holds the grant (the person approved and the
 * authorization server sent the browser back to the gateway), polling its admin endpoint.
 */
async function authorize(t: AdminTarget, server: string, o: AuthorizeOptions): Promise<void> {
  const waitS = o.wait === undefined ? undefined : o.wait === true ? WAIT_S : Number(o.wait);
  if (waitS !== undefined && !(Number.isInteger(waitS) && waitS > 0)) throw new ExitError(`--wait: expected a whole number of seconds, got '${String(o.wait)}'`, 2);
  const answer = await adminRequest(t, '/admin/oauth/authorize', { server });
  const url = answer.authorizationUrl === undefined ? undefined : String(answer.authorizationUrl);
  const opened = url !== undefined && (o.browser ?? process.stderr.isTTY) && (await openInBrowser(url)) === undefined;
  if (o.json) print(JSON.stringify(answer));
  else if (!url) return print(`${server}: already authorized`);
  else print(`${opened ? 'opened in your browser; if it did not show, open this' : 'open this in a browser'} to authorize the gateway at ${server}:\n${url}`);
  if (!url || waitS === undefined) return;
  process.stderr.write(`waiting up to ${waitS} s for the approval (Ctrl-C to stop waiting; the authorization stays open)…\n`);
  const end = Date.now() + waitS * 1000;
  for (;;) {
    const held = ((await adminRequest(t, '/admin/oauth')).servers as Server[] | undefined)?.find((s) => s.server === server);
    if (held?.authorized) return print(o.json ? JSON.stringify(held) : `${server}: authorized (${grantText(held.grant)})`);
    if (held?.refused) throw new ExitError(`${server}: the authorization was ${refusalText(held.refused)}`, 1);
    if (Date.now() + POLL_MS > end) throw new ExitError(`${server}: the gateway is not authorized after ${waitS} s (the authorization was not finished)`, 1);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

async function forget(t: AdminTarget, server: string | undefined, o: AdminOptions & { principal?: string; tenant?: string; keepAtServer?: boolean }): Promise<void> {
  if (o.tenant !== undefined && o.principal === undefined) throw new ExitError('--tenant goes with --principal', 2);
  if (server === undefined && o.principal === undefined) throw new ExitError("name the server whose grant the gateway lets go of, or --principal for a caller's grants", 2);
  const body = { ...(server !== undefined && { server }), ...(o.principal !== undefined && { principal: o.principal }), ...(o.tenant !== undefined && { tenant: o.tenant }), ...(o.keepAtServer && { revoke: false }) };
  const answer = await adminRequest(t, '/admin/oauth/forget', body);
  if (o.json) return print(JSON.stringify(answer));
  if (o.principal === undefined) return print(letGoText(answer as unknown as LetGo));
  const grants = (answer.grants ?? []) as LetGo[];
  print(grants.length > 0 ? grants.map(letGoText).join('\n') : `${o.principal} held no grant`);
}

async function callers(t: AdminTarget, o: AdminOptions): Promise<void> {
  const answer = await adminRequest(t, '/admin/oauth/callers');
  if (o.json) return print(JSON.stringify(answer));
  const servers = (answer.servers ?? []) as Array<{ server: string; callers: Array<{ principal: string; tenant?: string; grant?: Grant }>; truncated?: boolean }>;
  const lines = servers.flatMap((s) => [
    `${s.server}: ${s.callers.length}${s.truncated ? '+' : ''} caller${s.callers.length === 1 ? '' : 's'}`,
    ...s.callers.map((c) => `  ${c.tenant ? `${c.principal}@${c.tenant}` : c.principal}  ${grantText(c.grant)}`),
  ]);
  print(lines.length > 0 ? lines.join('\n') : 'no server authorizes per caller');
}

/** `mcplex admin oauth` and its subcommands; `common` adds --url and --json, `target` reads them with the credential. */
export function registerAdminOAuth(admin: Command, common: (cmd: Command) => Command, target: (o: AdminOptions) => AdminTarget): void {
  const oauth = admin.command('oauth').description("The gateway's grants at servers with their own OAuth login (auth.oauth)");
  common(oauth.command('list', { isDefault: true }).description('Which servers the gateway is authorized at, and what each grant is (the default)')).action((o: AdminOptions) => list(target(o), o));
  common(
    oauth
      .command('authorize')
      .description('Start the authorization of the gateway at a server: prints the URL to open in a browser')
      .argument('<server>')
      .option('--browser', "open the URL in the desktop's browser (the default when stderr is a terminal)")
      .option('--no-browser', 'only print the URL')
      .option('--wait [seconds]', `wait until the gateway is authorized (default ${WAIT_S} s); exit 1 if it is not by then`),
  ).action((server: string, o: AuthorizeOptions) => authorize(target(o), server, o));
  common(
    oauth
      .command('forget')
      .description("Let a grant go: the gateway's at a server, or a caller's (--principal); revoked at its authorization server unless --keep-at-server")
      .argument('[server]')
      .option('--principal <id>', "a caller's grants on perCaller servers (as the audit log names them)")
      .option('--tenant <tenant>', "with --principal: the caller's tenant")
      .option('--keep-at-server', 'only drop it here, without revoking it at its authorization server'),
  ).action((server: string | undefined, o) => forget(target(o), server, o));
  common(oauth.command('callers').description('The callers holding grants of their own on perCaller servers')).action((o: AdminOptions) => callers(target(o), o));
}
