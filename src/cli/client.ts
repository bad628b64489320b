// `mcplex tools|call|resources|read|prompts|prompt`: one MCP server from the terminal. The server is a URL
// (`--url`, Streamable HTTP or legacy SSE with `--sse`), a command after `--` (stdio), or a server of a gateway
// config by name (`--server`, started as the gateway starts it: built-ins, env, headers). Output is readable text,
// or the server's JSON with `--json`; a tool error, an unknown name or a server that does not come up exits 1.
import { statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Command, InvalidArgumentError } from 'commander';
import { type UpstreamSpec, moveUrlCredentials } from '../client/upstream-spec.js';
import { type Json, Upstream } from '../client/upstream.js';
import { InsufficientScope, NeedsAuthorization } from '../client/upstream-errors.js';
import { callAsLegacyTask, cancelLegacyTask } from '../client/legacy-task.js';
import { awaitUpstreamTask, cancelUpstreamTask, needsTasks, withTasksDeclared } from '../client/upstream-task.js';
import { CLIENT_CAPABILITIES_META } from '../wire/tasks-extension.js';
import { ErrorCode, silentLogger, VERSION, WireError } from '../core/index.js';
import { toUpstreamSpec } from '../gateway/upstream-specs.js';
import type { CliClient } from './client-oauth.js';
import { loadOrExit, selfCommand } from './config-file.js';
import { ExitError } from './exit-error.js';
import { type Answerer, requestInput, terminalInput } from './terminal-input.js';

/** The command line's options; those of a client registered beforehand and its browserless flows are CliClient's. */
interface TargetOptions extends CliClient {
  url?: string;
  sse?: boolean;
  header?: string[];
  server?: string;
  config?: string;
  protocol?: string;
  timeout?: number;
  json?: boolean;
  /** false (`--no-input`): the server is told this client cannot answer questions (no elicitation or sampling capability). */
  input?: boolean;
  /** `--root <dir>` (repeatable): directories offered to the server as roots (`roots/list`). */
  root?: string[];
  /** `--oauth`: the server's own OAuth login, authorized in a browser once and kept (client-oauth.ts). */
  oauth?: boolean;
  /** `--browser` / `--no-browser`: open the --oauth authorization in the desktop's browser (default: stderr is a terminal). */
  browser?: boolean;
}

const DEFAULT_TIMEOUT_MS = 60_000;

/** The words after a bare `--` on the command line: a stdio server's command. */
function stdioCommand(argv = process.argv): string[] {
  const at = argv.indexOf('--');
  return at < 0 ? [] : argv.slice(at + 1);
}

function headersOf(list: string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of list) {
    const at = h.indexOf(':');
    if (at <= 0) throw new ExitError(`--header '${h}': expected "Name: value"`, 2);
    out[h.slice(0, at).trim()] = h.slice(at + 1).trim();
  }
  return out;
}

async function specOf(o: TargetOptions): Promise<UpstreamSpec> {
  const command = stdioCommand();
  const chosen = [o.url !== undefined, o.server !== undefined, command.length > 0].filter(Boolean).length;
  if (chosen !== 1) throw new ExitError('name one server: --url <url>, --server <name> (from --config, default the embedded config), or -- <command> [args…]', 2);
  const timeouts = { timeoutMs: o.timeout ?? DEFAULT_TIMEOUT_MS, connectTimeoutMs: o.timeout ?? DEFAULT_TIMEOUT_MS, ...(o.protocol && { protocol: o.protocol }) };
  if (command.length > 0) return { name: basename(command[0]!), transport: 'stdio', command: command[0]!, args: command.slice(1), env: {}, ...timeouts };
  if (o.url !== undefined) {
    if (!URL.canParse(o.url)) throw new ExitError(`--url '${o.url}': expected an http(s) URL`, 2);
    return { name: new URL(o.url).host, transport: o.sse ? 'sse' : 'http', ...moveUrlCredentials(o.url, headersOf(o.header)), ...timeouts };
  }
  const config = await loadOrExit(o.config);
  const server = Object.hasOwn(config.servers, o.server!) ? config.servers[o.server!] : undefined;
  if (!server) throw new ExitError(`--server '${o.server}': no such server in ${o.config ?? 'the embedded config'} (it has ${Object.keys(config.servers).join(', ')})`, 2);
  const spec = toUpstreamSpec(server, { mcplex: selfCommand() });
  return { ...spec, ...(o.timeout !== undefined && { timeoutMs: o.timeout, connectTimeoutMs: o.timeout }), ...(o.protocol && { protocol: o.protocol }) };
}

/** `--root` directories as MCP roots (absolute file:// URIs named by their last segment); each must be a directory. */
function rootsOf(dirs: string[] | undefined): Json[] | undefined {
  if (!dirs || dirs.length === 0) return undefined;
  return dirs.map((dir) => {
    const path = resolve(dir);
    if (!statSync(path, { throwIfNoEntry: false })?.isDirectory()) throw new ExitError(`--root '${dir}': not a directory`, 2);
    return { uri: pathToFileURL(path).href, name: basename(path) };
  });
}

/** Connects, runs `work` (given what answers the server's questions), and always stops the server (a stdio child is gone when this returns). */
async function withServer<T>(o: TargetOptions, work: (u: Upstream, answer: Answerer, capabilities: Json) => Promise<T>): Promise<T> {
  const spec = await specOf(o);
  // Loaded only with --oauth (the other commands start as fast as before); the browser is opened when a person is at
  // the terminal, unless told otherwise.
  if (!o.oauth && (o.clientId !== undefined || o.issuer !== undefined || o.callbackPort !== undefined || o.dpop || o.clientMetadataUrl !== undefined || o.clientCredentials || o.workloadToken !== undefined || o.idToken !== undefined)) {
    throw new ExitError('--client-id, --issuer, --callback-port, --dpop, --client-metadata-url, --client-credentials, --workload-token and --id-token go with --oauth', 2);
  }
  const oauth = o.oauth ? await (await import('./client-oauth.js')).oauthFor(spec, o.browser ?? process.stderr.isTTY === true, o) : undefined;
  const terminal = terminalInput(process.stdin, process.stderr);
  const refuse: Answerer = async () => {
    throw new WireError(ErrorCode.MethodNotFound, 'this client was started with --no-input: it answers no server requests');
  };
  const roots = rootsOf(o.root);
  const asked = o.input === false ? refuse : terminal.answer;
  // Roots are not a question for the person at the terminal: answered from --root, with --no-input too.
  const answer: Answerer = roots ? async (method, params) => (method === 'roots/list' ? { roots } : asked(method, params)) : asked;
  // Elicitation and sampling, answered by the person (not with --no-input); roots (with --root).
  const capabilities = { ...(o.input !== false && { elicitation: { form: {}, url: {} }, sampling: {} }), ...(roots && { roots: {} }) };
  const upstream = new Upstream(spec, {
    log: silentLogger,
    hooks: {
      onRequest: (_u, req) => answer(req.method, req.params as Json | undefined),
      onNotification: (_u, n) => {
        if (n.method === 'notifications/elicitation/complete' && typeof n.params?.elicitationId === 'string') terminal.completed(n.params.elicitationId);
      },
      onListChanged: () => {},
      onStatus: () => {},
    },
    clientInfo: { name: 'mcplex-cli', version: VERSION },
    capabilities,
    ...(oauth && { http: { authProvider: oauth.provider } }),
  });
  upstream.start();
  try {
    await upstream.firstAttempt();
    // A grant the server no longer takes (and that could not be refreshed): the person authorizes again.
    if (!upstream.up && oauth && /needs authorization/.test(upstream.status().error ?? '')) {
      await oauth.reauthorize();
      await upstream.reconnect();
    }
    if (!upstream.up) {
      const why = upstream.status().error ?? 'did not come up';
      const hint = !o.oauth && /unauthorized|\b401\b/i.test(why) ? ' (a server with its own OAuth login: add --oauth)' : '';
      throw new ExitError(`${spec.name}: ${why}${hint}`, 1);
    }
    // A server that refuses for want of scope, or refuses the grant (it did not act), is asked again once the person
    // has widened the grant, or authorized again.
    return await work(upstream, answer, capabilities).catch(async (err: unknown) => {
      if (oauth && err instanceof InsufficientScope) await oauth.widen(err);
      else if (oauth && err instanceof NeedsAuthorization) await oauth.reauthorize();
      else throw err;
      return work(upstream, answer, capabilities);
    });
  } catch (err) {
    if (err instanceof WireError) throw new ExitError(`${spec.name}: ${err.message}`, 1);
    throw err;
  } finally {
    terminal.close();
    await upstream.stop();
  }
}

/**
 * A tool call. A tool the server runs only as a task (2026-07-28, -32021) is called again declaring the tasks
 * extension and its task awaited: its status on stderr as it changes, its questions answered as any, Ctrl-C cancels it.
 * A 2025-era server's task-only tool (its listing says so) is called as a task at once (callLegacyTask).
 */
async function callTool(u: Upstream, params: Json, answer: Answerer, capabilities: Json): Promise<Json> {
  if (u.client?.getProtocolEra() !== 'modern' && u.runsOnlyAsTask(String(params.name))) return callLegacyTask(u, params);
  try {
    return await requestInput(u, 'tools/call', params, answer);
  } catch (err) {
    if (!needsTasks(err)) throw err;
  }
  const _meta = { [CLIENT_CAPABILITIES_META]: withTasksDeclared(capabilities) };
  const created = await requestInput(u, 'tools/call', { ...params, _meta }, answer);
  if (created.resultType !== 'task') return created;
  const stop = new AbortController();
  const interrupted = () => stop.abort(new WireError(ErrorCode.InternalError, 'interrupted: the task was cancelled'));
  process.once('SIGINT', interrupted);
  let said = '';
  let cancelling: Promise<void> | undefined;
  try {
    return await awaitUpstreamTask(created, {
      send: (method, p) => u.request(method, { ...p, _meta }),
      fulfil: async (inputRequests) => {
        const out: Json = {};
        for (const [key, req] of Object.entries(inputRequests as Record<string, { method: string; params?: Json }>)) out[key] = await answer(req.method, req.params);
        return out;
      },
      signal: stop.signal,
      cancel: (taskId) => {
        cancelling = cancelUpstreamTask(u, taskId);
      },
      onStatus: (task) => {
        const line = taskLine(task);
        if (line !== said) process.stderr.write(`${line}\n`);
        said = line;
      },
    });
  } finally {
    process.off('SIGINT', interrupted);
    // The server hears of the cancel before the connection closes.
    await cancelling;
  }
}

/** A task as the person at the terminal is shown it. */
const taskLine = (task: Json) => `task ${task.taskId}: ${task.status}${typeof task.statusMessage === 'string' ? ` (${task.statusMessage})` : ''}`;

/** A tool a 2025-era server runs only as a task (legacy-task.ts): its questions answered as any; Ctrl-C cancels it. */
async function callLegacyTask(u: Upstream, params: Json): Promise<Json> {
  const stop = new AbortController();
  const interrupted = () => stop.abort(new WireError(ErrorCode.InternalError, 'interrupted: the task was cancelled'));
  process.once('SIGINT', interrupted);
  let cancelling: Promise<void> | undefined;
  try {
    return await callAsLegacyTask(params, {
      send: (method, p) => u.request(method, p, { signal: stop.signal }),
      signal: stop.signal,
      cancel: (taskId) => {
        cancelling = cancelLegacyTask(u, taskId);
      },
      onTask: (task) => process.stderr.write(`${taskLine(task)}\n`),
    });
  } finally {
    process.off('SIGINT', interrupted);
    // The server hears of the cancel before the connection closes.
    await cancelling;
  }
}

const print = (text: string): void => {
  process.stdout.write(`${text}\n`);
};
const json = (value: unknown): void => print(JSON.stringify(value, null, 2));
const firstLine = (s: unknown) => (typeof s === 'string' ? (s.split('\n')[0] ?? '') : '');

/** `key=value` pairs as arguments, each value typed by the tool's input schema where it says (else JSON if it parses, else text). */
function argumentsOf(pairs: string[], raw: string | undefined, schema?: Json): Json {
  const out: Json = {};
  if (raw !== undefined) {
    try {
      Object.assign(out, JSON.parse(raw));
    } catch {
      throw new ExitError(`--args: expected a JSON object, e.g. '{"text":"hi"}'`, 2);
    }
  }
  const props = (schema?.properties ?? {}) as Record<string, { type?: unknown }>;
  const named = Object.keys(props);
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new ExitError(`'${pair}': expected key=value`, 2);
    const [key, text] = [pair.slice(0, at), pair.slice(at + 1)];
    // A misspelt optional argument would otherwise be dropped by the server without a word.
    if (named.length > 0 && !(key in props)) process.stderr.write(`mcplex: '${key}' is not one of the tool's arguments (${named.join(', ')}); sent as given\n`);
    const type = props[key]?.type;
    if (type === 'string') out[key] = text;
    else {
      try {
        out[key] = JSON.parse(text);
      } catch {
        out[key] = text;
      }
    }
  }
  return out;
}

/** A content block as a line of text: text as is, anything else named with its size or address. */
function contentLine(c: Json): string {
  if (c.type === 'text') return String(c.text);
  if (c.type === 'image' || c.type === 'audio') return `[${c.type} ${c.mimeType}, ${Buffer.byteLength(String(c.data ?? ''), 'base64')} bytes]`;
  if (c.type === 'resource_link') return `[link ${c.uri}]`;
  if (c.type === 'resource') {
    const r = c.resource as Json;
    return typeof r.text === 'string' ? r.text : `[resource ${r.uri}]`;
  }
  return JSON.stringify(c);
}

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer (milliseconds)');
  return n;
}

function targetOptions(c: Command): Command {
  return c
    .allowExcessArguments(true) // the stdio command after --
    .option('--url <url>', 'a Streamable HTTP server (one that refuses it is tried over legacy SSE)')
    .option('--sse', 'the URL speaks the legacy HTTP+SSE transport (skips the Streamable HTTP try)')
    .option('-H, --header <header...>', 'HTTP header "Name: value" (repeatable)')
    .option('-s, --server <name>', 'a server of the gateway config, started as the gateway starts it')
    .option('-c, --config <file>', 'gateway config for --server; default: the embedded mcplex.example.yaml')
    .option('--protocol <revision>', 'speak this revision (e.g. 2025-11-25 or 2026-07-28) instead of negotiating')
    .option('--timeout <ms>', 'connect and request timeout', positive)
    .option('--json', "print the server's JSON answer")
    .option('--no-input', "answer none of the server's questions (elicitation, sampling): by default they are asked on stderr and read from stdin")
    .option('--root <dir>', 'offer this directory to the server as a root (repeatable)', (dir: string, all: string[] = []) => [...all, dir])
    .option('--oauth', "log in to the server's own OAuth in a browser the first time; the grant is kept (MCPLEX_OAUTH_FILE, default ~/.config/mcplex/oauth.json)")
    .option('--browser', "with --oauth: open the authorization in the desktop's browser (the default when stderr is a terminal)")
    .option('--no-browser', 'with --oauth: only print the authorization URL')
    .option('--client-id <id>', 'with --oauth: a client registered beforehand at the authorization server (for one that does not register clients itself); its secret, if any, from MCPLEX_OAUTH_CLIENT_SECRET')
    .option('--issuer <url>', "with --client-id and a secret: the authorization server's issuer URL (the secret is sent nowhere else)")
    .option('--dpop', "with --oauth: ask for tokens bound to a key kept with the grant (DPoP, RFC 9449), for servers that accept them")
    .option('--callback-port <port>', 'with --oauth: the loopback port the browser comes back to, http://127.0.0.1:<port>/callback (for a client registered with that redirect URI)', positive)
    .option('--client-metadata-url <url>', 'with --oauth: the https URL of a client metadata document describing this client (used where the authorization server takes them, instead of registering)')
    .option('--client-credentials', 'with --oauth --client-id --issuer: the client authorizes as itself (client_credentials grant; no browser), with MCPLEX_OAUTH_CLIENT_SECRET or --private-key')
    .option('--private-key <file>', 'with --client-credentials: a PEM private key the client authenticates with (private_key_jwt) instead of a secret')
    .option('--signing-alg <alg>', 'with --private-key: its JWS algorithm (default ES256)')
    .option('--id-token <file>', "with --oauth --client-id --issuer --idp-token-endpoint --idp-client-id: the person's ID token from the enterprise identity provider, exchanged there for an authorization grant the server's authorization server takes (enterprise-managed authorization, ID-JAG; no browser)")
    .option('--idp-token-endpoint <url>', "with --id-token: the enterprise identity provider's token endpoint")
    .option('--idp-client-id <id>', 'with --id-token: this client at the identity provider (its secret, if any, in MCPLEX_IDP_CLIENT_SECRET)')
    .option('--workload-token <file>', "with --oauth --client-id --issuer: a JWT the workload's platform issued (a CI job's OIDC token, a projected service-account token), exchanged for an access token (workload identity federation; no secret, no browser)")
    .addHelpText('after', '\nOr a stdio server after --, e.g.: mcplex tools -- npx -y @modelcontextprotocol/server-everything stdio');
}

export function registerClientCommands(program: Command): void {
  targetOptions(program.command('tools').description('List the tools of one MCP server')).action((o: TargetOptions) =>
    withServer(o, async (u) => {
      const tools = await u.list('tools');
      if (o.json) return json(tools);
      for (const t of tools) {
        const hints = (t.annotations as Json | undefined)?.readOnlyHint === true ? ' (read-only)' : '';
        print(`${t.name}${hints}  ${firstLine(t.description)}`);
      }
    }),
  );

  targetOptions(
    program
      .command('call')
      .description('Call a tool: mcplex call <tool> [key=value …] (values typed by its input schema, else JSON, else text)')
      .argument('<tool>')
      .argument('[arguments...]')
      .option('--args <json>', 'the arguments as one JSON object (key=value pairs are added to it)'),
  ).action((tool: string, pairs: string[], o: TargetOptions & { args?: string }) =>
    withServer(o, async (u, answer, capabilities) => {
      const known = (await u.list('tools')).find((t) => t.name === tool);
      if (!known) throw new ExitError(`unknown tool '${tool}' (try mcplex tools)`, 1);
      // The stdio command after -- is not arguments.
      const own = pairs.slice(0, pairs.length - stdioCommand().length);
      const result = await callTool(u, { name: tool, arguments: argumentsOf(own, o.args, known.inputSchema as Json | undefined) }, answer, capabilities);
      const content = (result.content as Json[] | undefined) ?? [];
      if (o.json) json(result);
      else {
        for (const c of content) print(contentLine(c));
        if (content.length === 0 && result.structuredContent !== undefined) json(result.structuredContent);
      }
      if (result.isError === true) process.exitCode = 1;
    }),
  );

  targetOptions(program.command('resources').description('List the resources (and resource templates) of one MCP server')).action((o: TargetOptions) =>
    withServer(o, async (u) => {
      const [resources, templates] = [await u.list('resources'), await u.list('resourceTemplates')];
      if (o.json) return json({ resources, resourceTemplates: templates });
      for (const r of resources) print(`${r.uri}  ${r.name ?? ''}${r.mimeType ? ` (${r.mimeType})` : ''}`);
      for (const t of templates) print(`${t.uriTemplate}  ${t.name ?? ''} (template)`);
    }),
  );

  targetOptions(program.command('read').description('Read a resource').argument('<uri>')).action((uri: string, o: TargetOptions) =>
    withServer(o, async (u, answer) => {
      const result = await requestInput(u, 'resources/read', { uri }, answer);
      if (o.json) return json(result);
      for (const c of (result.contents as Json[] | undefined) ?? []) print(typeof c.text === 'string' ? c.text : `[blob ${c.mimeType ?? ''}, ${Buffer.byteLength(String(c.blob ?? ''), 'base64')} bytes]`);
    }),
  );

  targetOptions(program.command('prompts').description('List the prompts of one MCP server')).action((o: TargetOptions) =>
    withServer(o, async (u) => {
      const prompts = await u.list('prompts');
      if (o.json) return json(prompts);
      for (const p of prompts) {
        const args = ((p.arguments as Json[] | undefined) ?? []).map((a) => `${a.name}${a.required ? '*' : ''}`).join(' ');
        print(`${p.name}${args ? ` [${args}]` : ''}  ${firstLine(p.description)}`);
      }
    }),
  );

  targetOptions(program.command('prompt').description('Get a prompt: mcplex prompt <name> [key=value …]').argument('<name>').argument('[arguments...]')).action(
    (name: string, pairs: string[], o: TargetOptions) =>
      withServer(o, async (u, answer) => {
        const own = pairs.slice(0, pairs.length - stdioCommand().length);
        const args = Object.fromEntries(own.map((p) => [p.slice(0, Math.max(0, p.indexOf('='))), p.slice(p.indexOf('=') + 1)]).filter(([k]) => k));
        const result = await requestInput(u, 'prompts/get', { name, arguments: args }, answer);
        if (o.json) return json(result);
        for (const m of (result.messages as Json[] | undefined) ?? []) print(`${m.role}: ${contentLine(m.content as Json)}`);
      }),
  );
}
