// `mcplex tools|call --url … --oauth` against a server with its own OAuth login, examples/oauth-server.ts run as its
// README says (the official SDK's authorization server and a bearer-protected SDK server): the first command prints
// the URL to open and waits on a loopback callback; a browser approves; the grant is kept in MCPLEX_OAUTH_FILE (0600)
// and the next command connects at once. Without --oauth the error says to add it.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeInBrowser, standInBrowser } from '../fixtures/oauth-upstream.js';
import { Browser } from '../helpers/browser.js';
import { CLIENT_ID, CLIENT_SECRET, guardedServer } from '../helpers/guarded-server.js';
import { freePort } from '../helpers/http.js';
import { killStarted, spawnTs, waitForLine, waitUntil } from '../helpers/process.js';
import { runCli } from '../gateway/fixtures/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'mcplex-cli-oauth-'));
const file = join(dir, 'oauth.json');
let url: string;
beforeAll(async () => {
  const server = spawnTs('examples/oauth-server.ts', [], { env: { PORT: '0' }, stdin: 'ignore' });
  const listening = /listening on (\S+)/;
  url = listening.exec(await waitForLine(server.child.stdout!, (l) => listening.test(l), 20_000))![1]!;
});
afterAll(() => {
  killStarted();
  rmSync(dir, { recursive: true, force: true });
});

const env = { MCPLEX_LOG_LEVEL: 'warn', MCPLEX_OAUTH_FILE: file };

/** `mcplex call whoami --oauth` where the person is asked to log in: the URL it prints approved in the browser as `user`. */
async function whoamiAfterLogin(user: string, withEnv: Record<string, string> = env) {
  const cli = runCli(['call', 'whoami', '--url', url, '--oauth'], withEnv);
  cli.child.stdin!.end();
  await cli.waitStderr(/^ {2}http\S+$/m, 30_000);
  await authorizeInBrowser(/^ {2}(http\S+)$/m.exec(cli.stderr())![1]!, user);
  expect(await cli.exited(30_000)).toMatchObject({ code: 0 });
  return cli;
}

describe('mcplex client commands with --oauth', () => {
  it('says to add --oauth when the server wants a login', async () => {
    const cli = runCli(['tools', '--url', url], env);
    cli.child.stdin!.end();
    const { code } = await cli.exited(30_000);
    expect(code).toBe(1);
    expect(cli.stderr()).toContain('(a server with its own OAuth login: add --oauth)');
  });

  it('logs in through the browser once, then connects with the kept grant', async () => {
    const first = runCli(['tools', '--url', url, '--oauth'], env);
    first.child.stdin!.end();
    await first.waitStderr(/^ {2}http\S+$/m, 30_000);
    const authorizationUrl = /^ {2}(http\S+)$/m.exec(first.stderr())![1]!;
    expect(new URL(authorizationUrl).searchParams.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    const back = await authorizeInBrowser(authorizationUrl, 'cli-user');
    expect(back.text).toContain('mcplex may now use');
    expect(await first.exited(30_000)).toMatchObject({ code: 0 });
    expect(first.stdout()).toContain('whoami');
    expect(first.stderr()).toContain('Authorized.');
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const again = runCli(['call', 'whoami', '--url', url, '--oauth'], env);
    again.child.stdin!.end();
    expect(await again.exited(30_000)).toMatchObject({ code: 0 });
    expect(again.stdout()).toBe('cli-user\n');
    expect(again.stderr()).not.toContain('Open this URL');
  });

  /** Replaces fields of the kept grant's tokens (as the authorization server's expiry or revocation would leave them). */
  function spoilGrant(fields: Record<string, string>): void {
    const kept = JSON.parse(readFileSync(file, 'utf8')) as { entries: Record<string, { value: string }> };
    const grants = Object.keys(kept.entries).filter((k) => k.includes(':tokens:'));
    expect(grants.length).toBeGreaterThan(0);
    for (const k of grants) kept.entries[k]!.value = JSON.stringify({ ...JSON.parse(kept.entries[k]!.value), ...fields });
    writeFileSync(file, JSON.stringify(kept));
  }

  it('an access token the server refuses (expired) is refreshed, with no one asked', async () => {
    spoilGrant({ access_token: 'expired-meanwhile' });
    const cli = runCli(['call', 'whoami', '--url', url, '--oauth'], env);
    cli.child.stdin!.end();
    expect(await cli.exited(30_000)).toMatchObject({ code: 0 });
    expect(cli.stdout()).toBe('cli-user\n');
    expect(cli.stderr()).not.toContain('Open this URL');
  });

  it('a grant the server no longer takes (its tokens refused, its refresh token too): the person authorizes again', async () => {
    spoilGrant({ access_token: 'no-longer-taken', refresh_token: 'no-longer-taken' });
    const cli = await whoamiAfterLogin('cli-user');
    expect(cli.stdout()).toBe('cli-user\n');
    expect(cli.stderr()).toContain('wants you to log in again');
  });

  it('asks the person to widen the grant when a tool needs more scope (403 insufficient_scope), then calls it', async () => {
    // The grant of the test before holds `mcp`; audit_trail needs `mcp:admin` too.
    const call = runCli(['call', 'audit_trail', '--url', url, '--oauth'], env);
    call.child.stdin!.end();
    await call.waitStderr(/^ {2}http\S+$/m, 30_000);
    expect(call.stderr()).toContain('wants more of your authorization (scope "mcp mcp:admin")');
    const authorizationUrl = /^ {2}(http\S+)$/m.exec(call.stderr())![1]!;
    expect(new URL(authorizationUrl).searchParams.get('scope')).toBe('mcp mcp:admin');
    await authorizeInBrowser(authorizationUrl, 'cli-user');
    expect(await call.exited(30_000)).toMatchObject({ code: 0 });
    expect(call.stdout()).toBe('cli-user holds mcp mcp:admin\n');
    // The wider grant is kept.
    const again = runCli(['call', 'audit_trail', '--url', url, '--oauth'], env);
    again.child.stdin!.end();
    expect(await again.exited(30_000)).toMatchObject({ code: 0 });
    expect(again.stdout()).toBe('cli-user holds mcp mcp:admin\n');
  });

  it('oauth list names the servers it holds a grant for; oauth forget drops one, and the next command logs in again', async () => {
    // The grant of the tests before: `mcp mcp:admin` for the example server.
    const list = runCli(['oauth', 'list'], env);
    expect(await list.exited(30_000)).toMatchObject({ code: 0 });
    expect(list.stdout()).toBe(`${url}  scope "mcp mcp:admin", refreshable\n`);
    const json = runCli(['oauth', 'list', '--json'], env);
    expect(await json.exited(30_000)).toMatchObject({ code: 0 });
    expect(JSON.parse(json.stdout())).toEqual([{ server: url, scope: 'mcp mcp:admin', refreshable: true }]);

    const unknown = runCli(['oauth', 'forget', 'http://127.0.0.1:9/mcp'], env);
    expect(await unknown.exited(30_000)).toMatchObject({ code: 1 });
    expect(unknown.stderr()).toContain('no grant for http://127.0.0.1:9/mcp');
    const forget = runCli(['oauth', 'forget', url], env);
    expect(await forget.exited(30_000)).toMatchObject({ code: 0 });
    // Revoked at the example's authorization server (the SDK's revocation endpoint), as the client it registered.
    expect(forget.stderr()).toBe(`revoked it at ${new URL('/revoke', url).href} and forgot the grant for ${url}; the next --oauth command logs in again\n`);
    const empty = runCli(['oauth', 'list'], env);
    expect(await empty.exited(30_000)).toMatchObject({ code: 0 });
    expect(empty.stdout()).toBe('');

    const again = await whoamiAfterLogin('other-user');
    expect(again.stdout()).toBe('other-user\n');

    // Signing out everywhere: every grant revoked and forgotten; a server or --all must be named.
    const neither = runCli(['oauth', 'forget'], env);
    expect(await neither.exited(30_000)).toMatchObject({ code: 2 });
    expect(neither.stderr()).toContain('name the server (mcplex oauth forget <url>), or --all');
    const all = runCli(['oauth', 'forget', '--all'], env);
    expect(await all.exited(30_000)).toMatchObject({ code: 0 });
    expect(all.stderr()).toBe(`revoked it at ${new URL('/revoke', url).href} and forgot the grant for ${url}; the next --oauth command logs in again\n`);
    const none = runCli(['oauth', 'forget', '--all'], env);
    expect(await none.exited(30_000)).toMatchObject({ code: 1 });
    expect(none.stderr()).toContain('no grants in');
  }, 90_000);

  it('MCPLEX_OAUTH_KEY keeps the grants file sealed', async () => {
    const sealed = { ...env, MCPLEX_OAUTH_FILE: join(dir, 'sealed.json'), MCPLEX_OAUTH_KEY: 'cli-sealing-secret-0123456789abcdefgh' };
    await whoamiAfterLogin('sealed-user', sealed);
    const content = readFileSync(sealed.MCPLEX_OAUTH_FILE, 'utf8');
    expect(content).toContain('mcplex.sealed.v1:');
    expect(content).not.toMatch(/"(at|rt)-[0-9a-f-]{36}/);
    expect(content).not.toContain('access_token');
    const again = runCli(['call', 'whoami', '--url', url, '--oauth'], sealed);
    again.child.stdin!.end();
    expect(await again.exited(30_000)).toMatchObject({ code: 0 });
    expect(again.stdout()).toBe('sealed-user\n');
    // Listed without the key, the grant is named but not read.
    const listed = runCli(['oauth', 'list'], { ...sealed, MCPLEX_OAUTH_KEY: '' });
    expect(await listed.exited(30_000)).toMatchObject({ code: 0 });
    expect(listed.stdout()).toBe(`${url}  (sealed: set MCPLEX_OAUTH_KEY to read it)\n`);
    const listedJson = runCli(['oauth', 'list', '--json'], { ...sealed, MCPLEX_OAUTH_KEY: '' });
    expect(await listedJson.exited(30_000)).toMatchObject({ code: 0 });
    expect(JSON.parse(listedJson.stdout())).toEqual([{ server: url, sealed: true }]);
    const opened = runCli(['oauth', 'list'], sealed);
    expect(await opened.exited(30_000)).toMatchObject({ code: 0 });
    expect(opened.stdout()).toBe(`${url}  scope "mcp", refreshable\n`);
    const short = runCli(['call', 'whoami', '--url', url, '--oauth'], { ...sealed, MCPLEX_OAUTH_KEY: 'short' });
    short.child.stdin!.end();
    expect(await short.exited(30_000)).toMatchObject({ code: 2 });
    expect(short.stderr()).toContain('MCPLEX_OAUTH_KEY: expected a secret of at least 32 characters');
    // Forgotten without the key: it cannot be read, so it is not revoked, and that is said.
    const unread = runCli(['oauth', 'forget', url], { ...sealed, MCPLEX_OAUTH_KEY: '' });
    expect(await unread.exited(30_000)).toMatchObject({ code: 0 });
    expect(unread.stderr()).toContain('(not revoked at its authorization server: the grants file is sealed; set MCPLEX_OAUTH_KEY to read it)');
    expect(readFileSync(sealed.MCPLEX_OAUTH_FILE, 'utf8')).not.toContain(`oauth:${url}:tokens:gateway`);
  }, 90_000);

  it('exits 1 saying so when the person refuses', async () => {
    const refused = runCli(['tools', '--url', url, '--oauth'], { ...env, MCPLEX_OAUTH_FILE: join(dir, 'other.json') });
    refused.child.stdin!.end();
    await refused.waitStderr(/^ {2}http\S+$/m, 30_000);
    const authorizationUrl = /^ {2}(http\S+)$/m.exec(refused.stderr())![1]!;
    expect((await authorizeInBrowser(authorizationUrl, 'deny')).status).toBe(400);
    expect(await refused.exited(30_000)).toMatchObject({ code: 1 });
    expect(refused.stderr()).toContain('the authorization was refused');
  });

  it.skipIf(process.platform !== 'linux')('with --browser, opens the authorization in the desktop browser (here a stand-in xdg-open that approves)', async () => {
    // The "browser": records the URL it was handed as its one argument, and approves it as browser-user.
    const browser = standInBrowser(dir, 'browser-user');
    const cli = runCli(['call', 'whoami', '--url', url, '--oauth', '--browser'], { ...env, MCPLEX_OAUTH_FILE: join(dir, 'browser.json'), PATH: browser.PATH });
    cli.child.stdin!.end();
    expect(await cli.exited(30_000)).toMatchObject({ code: 0 });
    expect(cli.stdout()).toBe('browser-user\n');
    expect(cli.stderr()).toContain('Opened in your browser; if it did not show, open this URL');
    const printed = /^ {2}(http\S+)$/m.exec(cli.stderr())![1]!;
    await waitUntil(() => browser.opened() || undefined, 5000, 'the opener to record');
    expect(browser.opened()).toBe(`${printed}\n`);
  });
});

describe('--client-id: a client registered beforehand, at an authorization server that registers none itself', () => {
  it('logs in as that client (its secret from the environment, bound to --issuer), returning to --callback-port', async () => {
    // oidc-provider without dynamic registration, the client registered with one fixed redirect URI.
    const guarded = await guardedServer({ accessTokenTtl: 300, register: false });
    try {
      const port = await freePort();
      guarded.register(`http://127.0.0.1:${port}/callback`);
      const registered = { ...env, MCPLEX_OAUTH_FILE: join(dir, 'registered.json'), MCPLEX_OAUTH_CLIENT_SECRET: CLIENT_SECRET };
      const args = ['call', 'whoami', '--url', guarded.url, '--oauth', '--client-id', CLIENT_ID, '--callback-port', String(port)];
      // The secret goes to the authorization server named, nowhere else: without --issuer it is not used.
      const unbound = runCli(args, registered);
      unbound.child.stdin!.end();
      expect(await unbound.exited(30_000)).toMatchObject({ code: 2 });
      expect(unbound.stderr()).toContain('needs --issuer');

      const first = runCli([...args, '--issuer', guarded.idp.issuer], registered);
      first.child.stdin!.end();
      await first.waitStderr(/^ {2}http\S+$/m, 30_000);
      const at = new URL(/^ {2}(http\S+)$/m.exec(first.stderr())![1]!);
      expect(at.searchParams.get('client_id')).toBe(CLIENT_ID);
      expect(at.searchParams.get('redirect_uri')).toBe(`http://127.0.0.1:${port}/callback`);
      const browser = new Browser();
      const back = await guarded.idp.signIn(browser, await browser.open(at.href), 'gina');
      expect(back.text).toContain('mcplex may now use');
      expect(await first.exited(30_000)).toMatchObject({ code: 0 });
      expect(first.stdout()).toBe('gina\n');

      // Let go of: revoked at the authorization server as that client (RFC 7009), then forgotten.
      const held = JSON.parse((JSON.parse(readFileSync(registered.MCPLEX_OAUTH_FILE, 'utf8')) as { entries: Record<string, { value: string }> }).entries[`oauth:${guarded.url}:tokens:gateway`]!.value) as { access_token: string; refresh_token: string };
      expect(await guarded.idp.subjectOf(held.access_token)).toBe('gina');
      const forget = runCli(['oauth', 'forget', guarded.url], registered);
      expect(await forget.exited(30_000)).toMatchObject({ code: 0 });
      expect(forget.stderr()).toBe(`revoked it at ${guarded.idp.issuer}/token/revocation and forgot the grant for ${guarded.url}; the next --oauth command logs in again\n`);
      expect(await guarded.idp.subjectOf(held.access_token)).toBeUndefined();
      expect(await guarded.idp.refreshable(held.refresh_token)).toBe(false);
      const none = runCli(['oauth', 'list'], registered);
      expect(await none.exited(30_000)).toMatchObject({ code: 0 });
      expect(none.stderr()).toContain('no grants in');

      const flagAlone = runCli(['tools', '--url', guarded.url, '--client-id', CLIENT_ID], env);
      flagAlone.child.stdin!.end();
      expect(await flagAlone.exited(30_000)).toMatchObject({ code: 2 });
      expect(flagAlone.stderr()).toContain('--client-id, --issuer, --callback-port, --dpop, --client-metadata-url, --client-credentials, --workload-token and --id-token go with --oauth');
    } finally {
      await guarded.close();
    }
  }, 90_000);

  it('--client-credentials, --workload-token, --id-token: refuse what would send a credential anywhere, or two at once', async () => {
    const refused = async (args: string[], extra: Record<string, string>, why: string) => {
      const cli = runCli(['tools', '--url', 'http://127.0.0.1:9/mcp', '--oauth', ...args], { ...env, ...extra });
      cli.child.stdin!.end();
      expect(await cli.exited(30_000)).toMatchObject({ code: 2 });
      expect(cli.stderr()).toContain(why);
    };
    await refused(['--client-credentials', '--client-id', 'job'], { MCPLEX_OAUTH_CLIENT_SECRET: 's' }, '--client-credentials needs --client-id and --issuer');
    await refused(['--client-credentials', '--client-id', 'job', '--issuer', 'https://as.example'], {}, 'needs the client secret in MCPLEX_OAUTH_CLIENT_SECRET or a key with --private-key (one of them)');
    await refused(['--client-credentials', '--client-id', 'job', '--issuer', 'https://as.example', '--private-key', join(dir, 'absent.pem')], {}, '--private-key: ENOENT');
    await refused(['--client-id', 'job', '--issuer', 'https://as.example', '--workload-token', join(dir, 'absent.jwt')], {}, '--workload-token: ENOENT');
    const token = join(dir, 'workload.jwt');
    writeFileSync(token, 'eyJ.a.b');
    await refused(['--client-id', 'job', '--issuer', 'https://as.example', '--workload-token', token], { MCPLEX_OAUTH_CLIENT_SECRET: 's' }, "--workload-token is the workload's credential: not with --client-credentials, a secret or --private-key");
    await refused(['--client-id', 'app', '--issuer', 'https://as.example', '--id-token', token], { MCPLEX_OAUTH_CLIENT_SECRET: 's' }, '--id-token needs --idp-token-endpoint');
    await refused(['--client-id', 'app', '--issuer', 'https://as.example', '--id-token', token, '--idp-token-endpoint', 'https://idp.example/token', '--idp-client-id', 'x'], {}, '--id-token needs the secret of --client-id');
    const keyAlone = runCli(['tools', '--url', 'http://127.0.0.1:9/mcp', '--oauth', '--private-key', 'k.pem'], env);
    keyAlone.child.stdin!.end();
    expect(await keyAlone.exited(30_000)).toMatchObject({ code: 2 });
    expect(keyAlone.stderr()).toContain('--private-key goes with --client-credentials');
  });

  it('--dpop: tokens bound to a key kept with the grant, every request proven with it', async () => {
    // The server serves a DPoP-bound token only with a fresh proof made by the key it is bound to.
    const guarded = await guardedServer({ accessTokenTtl: 300, dpop: true, register: false });
    try {
      const port = await freePort();
      guarded.register(`http://127.0.0.1:${port}/callback`);
      const file = join(dir, 'dpop.json');
      const bound = { ...env, MCPLEX_OAUTH_FILE: file, MCPLEX_OAUTH_CLIENT_SECRET: CLIENT_SECRET };
      const args = ['call', 'whoami', '--url', guarded.url, '--oauth', '--dpop', '--client-id', CLIENT_ID, '--issuer', guarded.idp.issuer, '--callback-port', String(port)];
      const first = runCli(args, bound);
      first.child.stdin!.end();
      await first.waitStderr(/^ {2}http\S+$/m, 30_000);
      const browser = new Browser();
      await guarded.idp.signIn(browser, await browser.open(/^ {2}(http\S+)$/m.exec(first.stderr())![1]!), 'hana');
      expect(await first.exited(30_000)).toMatchObject({ code: 0 });
      expect(first.stdout()).toBe('hana\n');
      // The next command proves its requests with the key kept in the grants file: served, nothing refused.
      const again = runCli(args, bound);
      again.child.stdin!.end();
      expect(await again.exited(30_000)).toMatchObject({ code: 0 });
      expect(again.stdout()).toBe('hana\n');
      expect(guarded.proofs.accepted).toBeGreaterThan(1);
      expect(guarded.proofs.refused).toBe(0);
      const grant = JSON.parse((JSON.parse(readFileSync(file, 'utf8')) as { entries: Record<string, { value: string }> }).entries[`oauth:${guarded.url}:tokens:gateway`]!.value) as { token_type: string };
      expect(grant.token_type.toLowerCase()).toBe('dpop');
    } finally {
      await guarded.close();
    }
  }, 90_000);
});
