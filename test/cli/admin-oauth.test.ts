// `mcplex admin oauth …` from source against a real `mcplex serve` whose upstream requires OAuth (the SDK-built
// authorization and resource server of examples/oauth-server.ts): not authorized at first, with the URL to open;
// `authorize` prints the URL a person approves in the browser; then authorized with what the grant is; `forget`
// revokes it at the authorization server and the gateway is not authorized again; `authorize --browser --wait`
// opens the URL and returns once the grant is held, or says it is not (refused by the person: at once; else when the
// time is over); what is refused is said.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, serveCli } from '../gateway/fixtures/cli.js';
import { authorizeInBrowser, oauthServerForSuite, standInBrowser } from '../fixtures/oauth-upstream.js';
import { waitUntil } from '../helpers/process.js';

const oauthServer = oauthServerForSuite();

async function admin(url: string, args: string[], env: Record<string, string> = {}) {
  const cli = runCli(['admin', 'oauth', ...args, '--url', url], { MCPLEX_LOG_LEVEL: 'warn', ...env });
  const { code } = await cli.exited(60_000);
  return { code, stdout: cli.stdout(), stderr: cli.stderr() };
}

describe('mcplex admin oauth', () => {
  let url: string;
  const dir = mkdtempSync(join(tmpdir(), 'mcplex-admin-oauth-'));
  beforeAll(async () => {
    const config = join(dir, 'mcplex.json');
    writeFileSync(config, JSON.stringify({ oauth: { file: join(dir, 'grants.json') }, servers: { remote: { url: oauthServer().url, auth: { oauth: {} } } } }));
    url = new URL((await serveCli(config)).url).origin;
  }, 60_000);

  it('lists, authorizes through a browser, shows the grant, and forgets it (revoked at the server)', async () => {
    const before = await admin(url, []);
    expect(before.code).toBe(0);
    expect(before.stdout).toMatch(new RegExp(`^callback ${url}/oauth/callback\\nremote: NOT authorized\\n`));

    const started = await admin(url, ['authorize', 'remote']);
    const [said, link] = started.stdout.trimEnd().split('\n');
    expect(said).toBe('open this in a browser to authorize the gateway at remote:');
    expect(new URL(link!).searchParams.get('redirect_uri')).toBe(`${url}/oauth/callback`);
    const back = await authorizeInBrowser(link!, 'operator');
    expect(back.text).toContain('mcplex may now use remote.');

    await waitUntil(async () => (await admin(url, [])).stdout.includes('remote: authorized') || undefined, 20_000, 'the gateway authorized');
    expect((await admin(url, [])).stdout).toMatch(/\nremote: authorized \((scope \S+, )?expires \S+, refreshable\)\n$/);
    expect((await admin(url, ['authorize', 'remote'])).stdout).toBe('remote: already authorized\n');

    const revokedBefore = oauthServer().provider.counts.revoked;
    expect((await admin(url, ['forget', 'remote'])).stdout).toMatch(/^remote: revoked at its authorization server \(\S+\)\n$/);
    expect(oauthServer().provider.counts.revoked).toBeGreaterThan(revokedBefore);
    expect((await admin(url, [])).stdout).toMatch(/\nremote: NOT authorized\n/);
  }, 120_000);

  it.skipIf(process.platform !== 'linux')('authorize --browser --wait: opens the URL in the desktop browser (a stand-in xdg-open that approves) and waits for the grant', async () => {
    expect((await admin(url, [])).stdout).toMatch(/\nremote: NOT authorized\n/);
    const bad = await admin(url, ['authorize', 'remote', '--wait', 'soon']);
    expect([bad.code, bad.stderr]).toEqual([2, "mcplex: --wait: expected a whole number of seconds, got 'soon'\n"]);
    // Nobody approves: it gives up once the time is over, saying so.
    const unanswered = await admin(url, ['authorize', 'remote', '--no-browser', '--wait', '2']);
    expect([unanswered.code, unanswered.stderr]).toEqual([1, 'waiting up to 2 s for the approval (Ctrl-C to stop waiting; the authorization stays open)…\nmcplex: remote: the gateway is not authorized after 2 s (the authorization was not finished)\n']);

    // The person refuses (the authorization server sends the browser back with error=access_denied): said at once.
    const refuser = standInBrowser(dir, 'deny');
    const refused = await admin(url, ['authorize', 'remote', '--browser', '--wait', '60'], { PATH: refuser.PATH });
    expect(refuser.opened()).not.toBe('');
    expect([refused.code, refused.stderr]).toEqual([1, expect.stringMatching(/\nmcplex: remote: the authorization was refused at \S+Z: access_denied\n$/)]);
    expect((await admin(url, [])).stdout).toMatch(/\nremote: NOT authorized\n {2}the last authorization was refused at \S+Z: access_denied\n/);

    // The "browser": records the URL it was handed as its one argument, and approves it as operator.
    const browser = standInBrowser(dir, 'operator');
    const done = await admin(url, ['authorize', 'remote', '--browser', '--wait', '60'], { PATH: browser.PATH });
    expect(done.code).toBe(0);
    const [said, link, authorized] = done.stdout.trimEnd().split('\n');
    expect(said).toBe('opened in your browser; if it did not show, open this to authorize the gateway at remote:');
    expect(browser.opened()).toBe(`${link}\n`);
    expect(authorized).toMatch(/^remote: authorized \((scope \S+, )?expires \S+, refreshable\)$/);
    // The refusal was of the authorization before: no longer shown.
    expect((await admin(url, [])).stdout).toMatch(/\nremote: authorized \([^)]*\)\n$/);
  }, 120_000);

  it('says what is refused: an unknown server, a tenant without a principal, nothing named', async () => {
    const unknown = await admin(url, ['forget', 'nope']);
    expect([unknown.code, unknown.stderr]).toEqual([1, 'mcplex: POST /admin/oauth/forget: 404 expected "server" naming a server with auth.oauth (remote)\n']);
    expect((await admin(url, ['forget', '--tenant', 'acme'])).code).toBe(2);
    const nothing = await admin(url, ['forget']);
    expect([nothing.code, nothing.stderr]).toEqual([2, "mcplex: name the server whose grant the gateway lets go of, or --principal for a caller's grants\n"]);
    expect((await admin(url, ['callers'])).stdout).toBe('no server authorizes per caller\n');
  }, 120_000);
});
