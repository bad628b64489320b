// `mcplex admin …`: operate a running gateway from a terminal or a script, through its admin endpoints (docs/admin.md):
// its state, replicas and config; reload it; switch degradation; approve pinned definitions; list and cancel tasks;
// list and close sessions; invalidate the cache; its upstream OAuth grants (admin-oauth.ts). Lines a person reads by
// default, the endpoints' JSON with --json. Each change is made as the admin page makes it (on every replica with `cluster:`, audited with
// `audit:`).
import { type Command, Option } from 'commander';
import { stringify } from 'yaml';
import { type AdminOptions, type AdminTarget, type Answer, adminRequest, adminTarget, DEFAULT_ADMIN_URL, print } from './admin-api.js';
import { registerAdminOAuth } from './admin-oauth.js';
import { ExitError } from './exit-error.js';

const target = (o: AdminOptions): AdminTarget => adminTarget(o.url ?? DEFAULT_ADMIN_URL, o.oauth);
const list = (items: unknown): string => (Array.isArray(items) && items.length > 0 ? items.join(', ') : 'none');
const table = (rows: string[][]): string => {
  const widths = rows.reduce<number[]>((w, row) => row.map((cell, i) => Math.max(w[i] ?? 0, cell.length)), []);
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
};

type Upstream = {
  name: string;
  state: string;
  transport?: string;
  era?: string;
  protocolVersion?: string;
  pid?: number;
  restarts?: number;
  breaker?: { state?: string };
  latencyP50Ms?: number;
  mode?: string;
  error?: string;
  healthCheck?: { failing?: number; lastError?: string };
  watch?: string[];
  lastRestart?: { by: string; reason: string; at: string };
};

/** The gateway's state: readiness, config version, mode, each upstream (exit 1 when it is not ready). */
async function status(o: AdminOptions): Promise<void> {
  const t = target(o);
  const [ready, config, mode] = await Promise.all([adminRequest(t, '/readyz'), adminRequest(t, '/admin/config'), adminRequest(t, '/admin/mode', {})]);
  if (o.json) print(JSON.stringify({ ...ready, config: { version: config.version, since: config.since }, degradation: mode }));
  else {
    const upstreams = (ready.upstreams ?? []) as Upstream[];
    const up = upstreams.filter((u) => u.state === 'up').length;
    // The readiness detail is the gateway's to give (`listen.readinessDetail`): without it there are no upstreams to show.
    const shown = ready.upstreams === undefined ? 'upstreams not shown to this caller (listen.readinessDetail)' : `${up}/${upstreams.length} upstreams up`;
    const audit = ready.audit as { sink?: string; store?: string; backlog?: number } | undefined;
    const head = [
      ready.ready ? 'ready' : `NOT READY (${String(ready.status)})`,
      shown,
      `${Number(ready.sessions ?? 0)} sessions`,
      `config ${String(config.version)} since ${String(config.since)}`,
      `mode ${String(mode.mode)}${(mode.disabledTools as unknown[] | undefined)?.length ? `, disabled tools ${list(mode.disabledTools)}` : ''}`,
      ...(audit ? [`audit ${audit.sink} ${audit.store}${audit.backlog ? `, ${audit.backlog} waiting` : ''}`] : []),
    ];
    const rows = upstreams.map((u) => [
      u.name,
      u.state,
      u.transport ?? '',
      u.protocolVersion ?? u.era ?? '',
      u.pid !== undefined ? `pid ${u.pid}` : '',
      `restarts ${u.restarts ?? 0}`,
      `breaker ${u.breaker?.state ?? '-'}`,
      u.latencyP50Ms !== undefined ? `p50 ${Math.round(u.latencyP50Ms)}ms` : '',
      [
        u.mode && `mode ${u.mode}`,
        u.healthCheck?.failing ? `${u.healthCheck.failing} health checks failing (${u.healthCheck.lastError ?? '?'})` : '',
        u.error && `last error: ${u.error}`,
        u.watch && `watching ${u.watch.join(', ')}`,
        u.lastRestart && u.lastRestart.by !== 'health' && `restarted ${u.lastRestart.at} (${u.lastRestart.reason})`,
      ]
        .filter(Boolean)
        .join('; '),
    ]);
    // What the catalog leaves out: names two servers claim, definitions withheld for hidden text.
    const problems = [...((ready.collisions ?? []) as string[]).map((c) => `name claimed twice (the later server's hidden): ${c}`), ...((ready.withheld ?? []) as string[]).map((w) => `withheld (hidden text): ${w}`)];
    print([head.join(' · '), ...(rows.length > 0 ? [table(rows).replace(/^/gm, '  ')] : []), ...problems.map((p) => `  ${p}`)].join('\n'));
  }
  if (!ready.ready) process.exitCode = 1;
}

type Replica = { id: string; self?: boolean; hostname?: string; pid?: number; ready?: boolean; mode?: string; upstreams?: Record<string, string>; sessions?: number; config?: string; reportedAt?: string };

async function replicas(o: AdminOptions): Promise<void> {
  const answer = await adminRequest(target(o), '/admin/replicas');
  if (o.json) return print(JSON.stringify(answer));
  const rows = ((answer.replicas ?? []) as Replica[]).map((r) => {
    const states = Object.values(r.upstreams ?? {});
    return [
      `${r.self ? '*' : ' '} ${r.id.slice(0, 8)}`,
      `${r.hostname ?? '?'}:${r.pid ?? '?'}`,
      r.ready ? 'yes' : 'NO',
      r.mode ?? 'normal',
      r.config ?? '?',
      `${states.filter((s) => s === 'up').length}/${states.length} up`,
      String(r.sessions ?? 0),
      r.reportedAt ?? '?',
    ];
  });
  print(`${table([['  replica', 'host:pid', 'ready', 'mode', 'config', 'upstreams', 'sessions', 'reported'], ...rows])}\n(* the replica that answered)`);
}

async function config(o: AdminOptions): Promise<void> {
  const answer = await adminRequest(target(o), '/admin/config');
  if (o.json) return print(JSON.stringify(answer));
  const reloads = ((answer.reloads ?? []) as Array<{ at: string; applied: boolean; version?: string; problem?: string }>).map((r) =>
    r.applied ? `#   ${r.at} applied ${r.version}` : `#   ${r.at} REJECTED: ${r.problem}`,
  );
  print([`# version ${String(answer.version)} since ${String(answer.since)} (secrets taken out)`, ...(reloads.length > 0 ? ['# last reloads, newest first:', ...reloads] : []), stringify(answer.config)].join('\n'));
}

async function reload(o: AdminOptions): Promise<void> {
  const answer = await adminRequest(target(o), '/admin/reload', {});
  if (o.json) return print(JSON.stringify(answer));
  const r = (answer.reloaded ?? {}) as Record<string, unknown[]>;
  const waiting = (answer.needsRestart ?? []) as string[];
  print(`reloaded: config ${String(answer.config)}; added ${list(r.added)}; removed ${list(r.removed)}; restarted ${list(r.restarted)}; retimed ${list(r.retimed)}`);
  if (waiting.length > 0) print(`not applied until the gateway restarts: ${waiting.join('; ')}`);
}

/** Restarts a server (on every replica with cluster:); exit 1 when it did not come back. */
async function restart(server: string, o: AdminOptions & { drainMs?: string }): Promise<void> {
  const drainMs = o.drainMs === undefined ? undefined : Number(o.drainMs);
  if (drainMs !== undefined && !(Number.isInteger(drainMs) && drainMs >= 0)) throw new ExitError(`--drain-ms: expected a whole number of milliseconds, not '${o.drainMs}'`, 2);
  const answer = await adminRequest(target(o), '/admin/restart', { server, ...(drainMs !== undefined && { drainMs }) });
  if (o.json) print(JSON.stringify(answer));
  else print(answer.up ? `restarted ${server}${answer.pid !== undefined ? ` (pid ${String(answer.pid)})` : ''}` : `${server} did not come back: ${String(answer.error ?? answer.state)}`);
  if (!answer.up) process.exitCode = 1;
}

const MODES: Record<string, string | null> = { 'read-only': 'read-only', normal: 'normal', file: null };

async function mode(value: string | undefined, o: AdminOptions & { server?: string; disable?: string[]; enableAll?: boolean }): Promise<void> {
  if (value !== undefined && !(value in MODES)) throw new ExitError(`mode: expected read-only, normal or file (back to what the config file says), not '${value}'`, 2);
  if (o.disable && o.enableAll) throw new ExitError('give --disable or --enable-all, not both', 2);
  const body = {
    ...(o.server && { server: o.server }),
    ...(value !== undefined && { mode: MODES[value] }),
    ...(o.disable && { disabledTools: o.disable }),
    ...(o.enableAll && { disabledTools: null }),
  };
  const answer = await adminRequest(target(o), '/admin/mode', body);
  if (o.json) return print(JSON.stringify(answer));
  const overrides = (answer.overrides ?? {}) as { servers?: Record<string, { mode?: string; disabledTools?: string[] }> };
  const servers = Object.entries(overrides.servers ?? {})
    .filter(([, s]) => s.mode !== undefined || s.disabledTools !== undefined)
    .map(([name, s]) => `  ${name}: ${[s.mode && `mode ${s.mode}`, s.disabledTools && `disabled tools ${list(s.disabledTools)}`].filter(Boolean).join(', ')}`);
  print([`gateway: mode ${String(answer.mode)}; disabled tools ${list(answer.disabledTools)}`, ...(servers.length > 0 ? ['switched per server:', ...servers] : [])].join('\n'));
}

type Changed = { kind: string; server: string; tool?: string; prompt?: string; changed: string[]; held: boolean; since: string; definition: string };

/** How a definition's digest is shown, and may be given back (`approve --definition`). */
const SHORT = 12;

async function pins(o: AdminOptions): Promise<void> {
  const answer = await adminRequest(target(o), '/admin/pins');
  if (o.json) return print(JSON.stringify(answer));
  const changed = (answer.changed ?? []) as Changed[];
  const counts = Object.entries((answer.pinned ?? {}) as Record<string, number>).map(([s, n]) => `${s} ${n}`);
  const rows = changed.map((c) => [c.server, c.kind, String(c[c.kind as 'tool' | 'prompt']), c.held ? 'HELD' : 'served', `changed: ${c.changed.join(', ')}`, `since ${c.since}`, `definition ${c.definition.slice(0, SHORT)}`]);
  print([`pinned (${String(answer.onChange)} on change): ${list(counts)}`, rows.length > 0 ? table(rows) : 'no definition changed since it was pinned'].join('\n'));
}

async function approve(o: AdminOptions & { server?: string; tool?: string; prompt?: string; all?: boolean; definition?: string[] }): Promise<void> {
  const named = o.server !== undefined || o.tool !== undefined || o.prompt !== undefined || o.definition !== undefined;
  if (named === Boolean(o.all)) throw new ExitError('name what to approve (--server, with --tool or --prompt for one, or --definition) or give --all (every change: see `mcplex admin pins`)', 2);
  const t = target(o);
  const definitions = o.definition && (await fullDigests(t, o.definition));
  const body = o.all ? {} : { ...(o.server && { server: o.server }), ...(o.tool && { tool: o.tool }), ...(o.prompt && { prompt: o.prompt }), ...(definitions && { definitions }) };
  const answer = await adminRequest(t, '/admin/pins/approve', body);
  if (o.json) return print(JSON.stringify(answer));
  const done = (answer.approved ?? []) as Changed[];
  print(done.map((c) => `approved ${c.kind} ${c.server}/${String(c[c.kind as 'tool' | 'prompt'])} (${c.changed.join(', ')}; definition ${c.definition.slice(0, SHORT)})`).join('\n'));
}

/** The held changes' digests that the given ones (as `pins` shows them, or longer) begin: exactly one each. */
async function fullDigests(t: AdminTarget, given: string[]): Promise<string[]> {
  const held = (((await adminRequest(t, '/admin/pins')).changed ?? []) as Changed[]).map((c) => c.definition);
  return given.map((prefix) => {
    const matches = [...new Set(held.filter((d) => d.startsWith(prefix.toLowerCase())))];
    if (matches.length !== 1) throw new ExitError(`--definition ${prefix}: ${matches.length === 0 ? 'no changed definition has it (it changed again, or was approved: see `mcplex admin pins`)' : 'more than one changed definition begins so: give more of it'}`, 1);
    return matches[0]!;
  });
}

type Task = { replica?: string; taskId: string; status: string; tool: string; upstream: string; principal: string; tenant?: string; createdAt: string; statusMessage?: string };

/**
 * What every replica listed (with `cluster:`, a replica column first: its id's first 8 characters, as `admin replicas`
 * shows them), `none` when empty, then each replica that did not answer.
 */
function replicaTable<T extends { replica?: string }>(answer: Answer, items: T[], header: string[], row: (item: T) => string[], none: string, more = ''): string {
  const byReplica = items.some((i) => i.replica !== undefined);
  const rows = items.map((i) => [...(byReplica ? [(i.replica ?? '').slice(0, 8)] : []), ...row(i)]);
  const unreachable = ((answer.unreachable ?? []) as Array<{ replica: string; error: string }>).map((u) => `\nreplica ${u.replica} did not answer: ${u.error}`).join('');
  return `${rows.length > 0 ? `${table([[...(byReplica ? ['replica'] : []), ...header], ...rows])}${more}` : none}${unreachable}`;
}

async function tasks(o: AdminOptions & { status?: string }): Promise<void> {
  const answer = await adminRequest(target(o), `/admin/tasks${o.status ? `?status=${encodeURIComponent(o.status)}` : ''}`);
  if (o.json) return print(JSON.stringify(answer));
  const row = (t: Task) => [t.taskId, t.status, t.tool, t.upstream, t.tenant ? `${t.principal}@${t.tenant}` : t.principal, t.createdAt, t.statusMessage ?? ''];
  print(replicaTable(answer, (answer.tasks ?? []) as Task[], ['task', 'status', 'tool', 'upstream', 'caller', 'created', 'message'], row, `no tasks${o.status ? ` ${o.status}` : ''}`));
}

async function cancel(taskId: string, o: AdminOptions): Promise<void> {
  const answer = await adminRequest(target(o), '/admin/tasks/cancel', { taskId });
  print(o.json ? JSON.stringify(answer) : `cancelled ${String(answer.cancelled)}`);
}

type Session = { replica?: string; id: string; principal: string; tenant?: string; client?: string; endpoint?: string; protocolVersion?: string; transport?: 'sse'; clientInfo?: { name: string; version: string }; openedAt: string; lastRequestAt: string; inFlight: number; listening: boolean };

async function sessions(o: AdminOptions & SessionFilters & { limit?: string }): Promise<void> {
  const query = new URLSearchParams([...filtersOf(o), ...(o.limit !== undefined ? [['limit', o.limit]] : [])]);
  const answer = await adminRequest(target(o), `/admin/sessions${query.size > 0 ? `?${query}` : ''}`);
  if (o.json) return print(JSON.stringify(answer));
  const listed = (answer.sessions ?? []) as Session[];
  const row = (s: Session) => [
    s.id,
    s.tenant ? `${s.principal}@${s.tenant}` : s.principal,
    s.client ?? '',
    s.clientInfo ? `${s.clientInfo.name} ${s.clientInfo.version}` : '',
    // A legacy HTTP+SSE session says so.
    [s.protocolVersion, s.transport].filter(Boolean).join(' '),
    s.endpoint ?? '',
    s.openedAt,
    s.lastRequestAt,
    String(s.inFlight),
  ];
  const total = Number(answer.total ?? listed.length);
  const more = total > listed.length ? `\n(${listed.length} of ${total}, the most recently active; --limit shows more)` : '';
  print(replicaTable(answer, listed, ['session', 'caller', 'client', 'app', 'protocol', 'endpoint', 'opened', 'last request', 'in flight'], row, 'no sessions (2026-era callers hold none)', more));
}

type SessionFilters = { principal?: string; tenant?: string; client?: string };
const filtersOf = (o: SessionFilters) => Object.entries({ principal: o.principal, tenant: o.tenant, client: o.client }).filter((e): e is [string, string] => e[1] !== undefined);

/** Closes one session, or every one the filters match (with `cluster:`, on every replica: each close is made where the session lives). */
async function closeSession(session: string | undefined, o: AdminOptions & SessionFilters): Promise<void> {
  const filters = filtersOf(o);
  if ((session === undefined) === (filters.length === 0)) throw new ExitError('give a session, or --principal, --tenant or --client to close every session they match', 2);
  if (session !== undefined) {
    const answer = await adminRequest(target(o), '/admin/sessions/close', { session });
    return print(o.json ? JSON.stringify(answer) : `closed ${String(answer.closed)}`);
  }
  const query = new URLSearchParams([...filters, ['limit', '100000']]);
  const matching = ((await adminRequest(target(o), `/admin/sessions?${query}`)).sessions ?? []) as Session[];
  const closed: string[] = [];
  for (const s of matching) {
    // One gone meanwhile (its client closed it) is not an error.
    const answer = await adminRequest(target(o), '/admin/sessions/close', { session: s.id }).catch((err: Error) => (/\b404\b|no session/.test(err.message) ? undefined : Promise.reject(err)));
    if (answer) closed.push(String(answer.closed));
  }
  print(o.json ? JSON.stringify({ closed }) : closed.length > 0 ? closed.map((id) => `closed ${id}`).join('\n') : 'no session matched');
}

async function invalidate(o: AdminOptions & { server?: string; tool?: string; uri?: string; all?: boolean }): Promise<void> {
  const given = [o.server && { server: o.server }, o.tool && { tool: o.tool }, o.uri && { uri: o.uri }, o.all && { all: true }].filter(Boolean);
  if (given.length !== 1) throw new ExitError('give exactly one of --server, --tool, --uri or --all', 2);
  const answer = await adminRequest(target(o), '/admin/cache/invalidate', given[0]);
  print(o.json ? JSON.stringify(answer) : `removed ${String(answer.removed)} cached ${answer.removed === 1 ? 'entry' : 'entries'}`);
}

export function registerAdminCommands(program: Command): void {
  const admin = program
    .command('admin')
    .description('Operate a running gateway through its admin endpoints (--url or MCPLEX_URL, default http://127.0.0.1:7333; credential in MCPLEX_ADMIN_KEY or MCPLEX_ADMIN_KEY_FILE)');
  const common = (cmd: Command) =>
    cmd
      .addOption(new Option('--url <url>', 'the gateway (its origin)').env('MCPLEX_URL').default(DEFAULT_ADMIN_URL))
      .option('--json', "print the endpoint's JSON answer")
      .option('--oauth', "log in to the gateway's authorization server in a browser the first time, asking for mcplex:admin; the grant is kept (MCPLEX_OAUTH_FILE, default ~/.config/mcplex/oauth.json)")
      .addHelpText('after', '\nThe credential, when the gateway has auth:, is read from MCPLEX_ADMIN_KEY, or the file MCPLEX_ADMIN_KEY_FILE names (an API key or token with the mcplex:admin scope); or --oauth logs in.');
  common(admin.command('status').description('Readiness, config version, degradation and each upstream (exit 1 when not ready)')).action((o: AdminOptions) => status(o));
  common(admin.command('replicas').description('The replicas alive (with cluster:) and how each is doing')).action((o: AdminOptions) => replicas(o));
  common(admin.command('config').description('The config this gateway runs (secrets taken out), its version and last reloads')).action((o: AdminOptions) => config(o));
  common(admin.command('reload').description('Read the config file again, as SIGHUP does (on every replica with cluster:)')).action((o: AdminOptions) => reload(o));
  common(
    admin
      .command('mode')
      .description('Show or switch degradation: read-only (only read-only tools), normal, or file (what the config says)')
      .argument('[mode]', 'read-only | normal | file')
      .option('--server <name>', 'switch one server instead of the whole gateway')
      .option('--disable <glob...>', 'disable these tools (globs), until switched back or reloaded')
      .option('--enable-all', 'put back the disabled tools the file lists'),
  ).action((value: string | undefined, o) => mode(value, o));
  common(
    admin
      .command('restart')
      .description("Restart a server: a stdio server's process, an HTTP server's connection (on every replica with cluster:); exit 1 when it did not come back")
      .argument('<server>')
      .option('--drain-ms <ms>', 'how long its calls in flight may take to finish first (default 10000; 0 cuts them off)'),
  ).action((server: string, o: AdminOptions & { drainMs?: string }) => restart(server, o));
  common(admin.command('pins').description('Tools and prompts whose definitions changed since they were pinned')).action((o: AdminOptions) => pins(o));
  common(
    admin
      .command('approve')
      .description('Approve changed definitions (see `mcplex admin pins`)')
      .option('--server <name>', "the server's changes (all of them, unless --tool or --prompt)")
      .option('--tool <name>', "one tool, by the server's own name")
      .option('--prompt <name>', "one prompt, by the server's own name")
      .option('--definition <digest...>', 'only these definitions (as `mcplex admin pins` shows them): not one the server changed to since you looked')
      .option('--all', 'every change of every server'),
  ).action((o) => approve(o));
  common(admin.command('tasks').description('The tasks the gateway keeps now, newest first').option('--status <status>', 'only these (working, input_required, completed, failed, cancelled)')).action((o) => tasks(o));
  common(admin.command('cancel').description("Cancel a running task (its upstream call too; its caller reads 'Cancelled by an administrator')").argument('<taskId>')).action((id: string, o: AdminOptions) => cancel(id, o));
  common(
    admin
      .command('sessions')
      .description('The 2025-era sessions this gateway holds: who, from where, which client, active when')
      .option('--principal <id>', "only this caller's (or a glob: 'svc-*')")
      .option('--tenant <id>', "only this tenant's (or a glob)")
      .option('--client <address>', 'only those from this address (or a range: 10.0.0.0/8)')
      .option('--limit <n>', 'at most this many, the most recently active (default 500)'),
  ).action((o: AdminOptions) => sessions(o));
  common(
    admin
      .command('close-session')
      .description('Close a session as its client would (its calls end; the client opens a new one), or every one a caller, tenant or address holds')
      .argument('[session]')
      .option('--principal <id>', "every session of this caller's (or a glob: 'svc-*')")
      .option('--tenant <id>', "every session of this tenant's (or a glob)")
      .option('--client <address>', 'every session from this address (or a range: 10.0.0.0/8)'),
  ).action((id: string | undefined, o: AdminOptions & SessionFilters) => closeSession(id, o));
  registerAdminOAuth(admin, common, target);
  common(
    admin
      .command('invalidate')
      .description("Drop cached results: one server's, one tool's, one resource's or all")
      .option('--server <name>')
      .option('--tool <name>', 'as callers name it')
      .option('--uri <uri>', 'a resource')
      .option('--all'),
  ).action((o) => invalidate(o));
}
