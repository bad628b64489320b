// The mcplex CLI as the official conformance suite's client (`conformance client --command "node cli-client.mjs"`):
// for each scenario, the commands a person would type (`mcplex tools`, `mcplex call …`, with `--oauth` where the
// server has its own login), and the person's browser: every authorization URL the CLI prints is opened (the suite's
// authorization server approves at once and sends the browser back to the CLI's loopback callback). The suite passes
// the server URL as the last argument, the scenario in MCP_CONFORMANCE_SCENARIO and its context (tool calls, a
// registered client) in MCP_CONFORMANCE_CONTEXT. Runs the built CLI (dist/), as installed.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { act } from './client-actions.mjs';

const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const url = process.argv.at(-1);
const scenario = process.env.MCP_CONFORMANCE_SCENARIO ?? '';
const context = JSON.parse(process.env.MCP_CONFORMANCE_CONTEXT || '{}');
const home = mkdtempSync(join(tmpdir(), 'mcplex-conformance-client-'));
const env = { ...process.env, MCPLEX_OAUTH_FILE: join(home, 'oauth.json'), MCPLEX_LOG_LEVEL: 'warn' };
const opened = new Set();

/** Runs `mcplex <args> --url <url> [auth flags]`, answering what it asks with `input`; resolves with its stdout and exit code. */
function mcplex(args, input = '') {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args, '--url', url, ...authFlags], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => {
      process.stderr.write(d);
      err += d;
      for (const [, at] of err.matchAll(/^ {2}(https?:\/\/\S+)$/gm)) {
        if (opened.has(at)) continue;
        opened.add(at);
        // The person's browser: the suite's authorization server answers at once with a redirect to the callback.
        fetch(at).catch((e) => process.stderr.write(`could not open ${at}: ${e.message}\n`));
      }
    });
    child.stdin.end(input);
    child.on('close', (code) => resolve({ out, code: code ?? 1 }));
  });
}

/** The issuer of the authorization server the server's metadata names (the operator knows it for a registered client). */
async function issuerOf(server) {
  const u = new URL(server);
  for (const path of [`/.well-known/oauth-protected-resource${u.pathname}`, '/.well-known/oauth-protected-resource']) {
    const res = await fetch(new URL(path, u.origin)).catch(() => undefined);
    if (res?.ok) return (await res.json()).authorization_servers?.[0];
  }
  return undefined;
}

const authFlags = [];
if (scenario.startsWith('auth/')) {
  authFlags.push('--oauth', '--no-browser');
  if (scenario.startsWith('auth/dpop')) authFlags.push('--dpop');
  // The document's URL the suite's authorization server expects (where an app would publish its own).
  if (scenario === 'auth/basic-cimd') authFlags.push('--client-metadata-url', 'https://conformance-test.local/client-metadata.json');
  if (context.client_id) {
    authFlags.push('--client-id', context.client_id);
    if (scenario.startsWith('auth/client-credentials')) authFlags.push('--client-credentials');
    if (context.private_key_pem) {
      const key = join(home, 'client-key.pem');
      writeFileSync(key, context.private_key_pem, { mode: 0o600 });
      authFlags.push('--private-key', key, '--signing-alg', context.signing_algorithm ?? 'ES256');
    }
    if (context.valid_jwt) {
      // The workload's JWT, as its platform would have written it to a file.
      const token = join(home, 'workload.jwt');
      writeFileSync(token, context.valid_jwt, { mode: 0o600 });
      authFlags.push('--workload-token', token);
    }
    if (context.idp_id_token) {
      // The person's ID token from their enterprise identity provider (as another tool of theirs would print it).
      const token = join(home, 'id-token.jwt');
      writeFileSync(token, context.idp_id_token, { mode: 0o600 });
      authFlags.push('--id-token', token, '--idp-token-endpoint', context.idp_token_endpoint, '--idp-client-id', context.idp_client_id);
    }
    if (context.client_secret) env.MCPLEX_OAUTH_CLIENT_SECRET = context.client_secret;
    if (context.client_secret || context.private_key_pem || context.valid_jwt) authFlags.push('--issuer', await issuerOf(url));
  }
}

let code = 1;
try {
  code = await act(scenario, context, { mcplex });
} finally {
  rmSync(home, { recursive: true, force: true });
}
process.exit(code);
