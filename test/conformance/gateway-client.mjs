// The gateway as the official conformance suite's client (`conformance client --command "node gateway-client.mjs"`):
// `mcplex serve` with the suite's server as its one upstream (`up`), authorized as an operator does it (the URL the
// gateway names in GET /admin/oauth opened in a browser, again when the upstream later refuses the grant), and a
// downstream caller (the mcplex CLI) calling the upstream's tools through the gateway. What the suite checks is the
// gateway's side toward the upstream: its OAuth, its protocol in both eras, what it relays both ways.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { act } from './client-actions.mjs';

const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const upstream = process.argv.at(-1);
const scenario = process.env.MCP_CONFORMANCE_SCENARIO ?? '';
const context = JSON.parse(process.env.MCP_CONFORMANCE_CONTEXT || '{}');
const home = mkdtempSync(join(tmpdir(), 'mcplex-conformance-gateway-'));
const env = { ...process.env, MCPLEX_LOG_LEVEL: 'warn' };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The token endpoint and issuer the upstream's metadata leads to (an operator reads them off the provider's page). */
async function authorizationServerOf(server) {
  const u = new URL(server);
  for (const path of [`/.well-known/oauth-protected-resource${u.pathname}`, '/.well-known/oauth-protected-resource']) {
    const res = await fetch(new URL(path, u.origin)).catch(() => undefined);
    if (!res?.ok) continue;
    const issuer = (await res.json()).authorization_servers?.[0];
    const meta = await (await fetch(new URL('/.well-known/oauth-authorization-server', issuer))).json();
    return { issuer, tokenUrl: meta.token_endpoint };
  }
  throw new Error('no protected resource metadata');
}

async function upstreamConfig() {
  const entry = { url: upstream };
  if (!scenario.startsWith('auth/')) return entry;
  if (scenario.startsWith('auth/client-credentials')) {
    const { issuer, tokenUrl } = await authorizationServerOf(upstream);
    if (!context.private_key_pem) return { ...entry, auth: { clientCredentials: { tokenUrl, clientId: context.client_id, clientSecret: context.client_secret } } };
    // The key the client is registered with, as the operator keeps it (a file), its assertion for the issuer.
    const privateKeyFile = join(home, 'client-key.pem');
    writeFileSync(privateKeyFile, context.private_key_pem, { mode: 0o600 });
    return { ...entry, auth: { clientCredentials: { tokenUrl, clientId: context.client_id, privateKeyFile, signingAlg: context.signing_algorithm ?? 'ES256', assertionAudience: issuer } } };
  }
  if (context.valid_jwt) {
    // The gateway's JWT from its platform, in the file the platform keeps it in.
    const tokenFile = join(home, 'workload.jwt');
    writeFileSync(tokenFile, context.valid_jwt, { mode: 0o600 });
    const { tokenUrl } = await authorizationServerOf(upstream);
    return { ...entry, auth: { workloadIdentity: { tokenUrl, clientId: context.client_id, tokenFile, resource: upstream } } };
  }
  const oauth = {};
  if (scenario.startsWith('auth/dpop')) oauth.dpop = true;
  if (context.client_id) {
    oauth.clientId = context.client_id;
    if (context.client_secret) Object.assign(oauth, { clientSecret: context.client_secret, issuer: (await authorizationServerOf(upstream)).issuer });
  }
  return { ...entry, auth: { oauth } };
}

const config = join(home, 'gateway.json');
writeFileSync(
  config,
  JSON.stringify({
    listen: { host: '127.0.0.1', port: 0 },
    servers: { up: await upstreamConfig() },
    oauth: { store: 'file', file: join(home, 'oauth.json'), ...(scenario === 'auth/basic-cimd' && { clientMetadataUrl: 'https://conformance-test.local/client-metadata.json' }) },
  }),
);
const gateway = spawn(process.execPath, [CLI, 'serve', '--config', config], { env, stdio: ['ignore', 'pipe', 'pipe'] });
let said = '';
gateway.stdout.on('data', (d) => (said += d));
gateway.stderr.on('data', (d) => process.stderr.write(d));
let url;
for (let i = 0; i < 200 && !url; i++) {
  url = /gateway listening on (http:\/\/\S+)/.exec(said)?.[1];
  if (!url) await sleep(50);
}
if (!url) throw new Error(`the gateway did not start:\n${said}`);
const admin = new URL('/admin/oauth', url);
const opened = new Set();

/** An operator: opens the URL the gateway names for `up` (the suite's server approves at once); true if there was one. */
async function authorizeIfAsked() {
  const state = await (await fetch(admin)).json().catch(() => ({}));
  const at = state.servers?.find((s) => s.server === 'up')?.authorizationUrl;
  if (!at || opened.has(at)) return false;
  opened.add(at);
  await fetch(at).catch((e) => process.stderr.write(`could not open ${at}: ${e.message}\n`));
  return true;
}

/** `mcplex <args> --url <gateway>`; a caller refused while the gateway waits for its authorization tries again. */
async function mcplex(args, input = '') {
  for (let attempt = 0; ; attempt++) {
    const result = await new Promise((resolve) => {
      const child = spawn(process.execPath, [CLI, ...args, '--url', url], { env, stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      child.stdin.end(input);
      child.on('close', (code) => resolve({ out, err, code: code ?? 1 }));
    });
    if (result.code === 0 || attempt >= 10 || !scenario.startsWith('auth/')) {
      process.stderr.write(result.err);
      return result;
    }
    if (!(await authorizeIfAsked())) await sleep(300);
  }
}

let code = 1;
try {
  if (scenario.startsWith('auth/')) {
    // The gateway names the authorization it needs once it has met the upstream's 401.
    for (let i = 0; i < 100 && !(await authorizeIfAsked()); i++) await sleep(100);
  }
  code = await act(scenario, context, { mcplex, prefix: 'up__' });
} finally {
  gateway.kill('SIGTERM');
  await new Promise((resolve) => gateway.once('close', resolve));
  rmSync(home, { recursive: true, force: true });
}
process.exit(code);
