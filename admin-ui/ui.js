// mcplex admin page: reads the gateway's own admin endpoints (same origin: /readyz, /admin/mode, /admin/restart, /admin/cache/*,
// /admin/endpoints, /admin/sessions*, /admin/tasks*, /admin/oauth*, /admin/pins*, /admin/audit*, /admin/replicas, /admin/config) and renders them. Values from the gateway are written as text,
// never as markup. When the gateway asks for credentials, the key typed in is kept in this tab's sessionStorage and sent as a bearer token.

const KEY = 'mcplex.adminKey';
/** Where the gateway's paths start, as the browser reached this page (`/admin/ui`): under a proxy's prefix, that prefix. */
const ROOT = new URL('..', location.href);
const $ = (selector) => document.querySelector(selector);

class NeedsKey extends Error {}

async function api(path, body) {
  const key = sessionStorage.getItem(KEY);
  const headers = { accept: 'application/json' };
  if (key) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(new URL(path.slice(1), ROOT), { method: body === undefined ? 'GET' : 'POST', headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store', credentials: 'omit' });
  if (res.status === 401 || res.status === 403) {
    askForKey(res.status === 403 ? 'This key may not use the admin endpoints: it needs the mcplex:admin scope.' : key ? 'The gateway refused this key.' : undefined);
    throw new NeedsKey();
  }
  const json = await res.json().catch(() => ({}));
  return { status: res.status, json };
}

function askForKey(why) {
  const form = $('#login');
  form.hidden = false;
  if (why) $('#login-why').textContent = why;
}

/** A table row of text cells; `classes` by index. */
function row(cells, classes = {}) {
  const tr = document.createElement('tr');
  cells.forEach((value, i) => {
    const td = document.createElement('td');
    if (value instanceof Node) td.append(value);
    else td.textContent = value === undefined || value === null ? '' : String(value);
    if (classes[i]) td.className = classes[i];
    tr.append(td);
  });
  return tr;
}

function fill(tbody, rows, empty) {
  tbody.replaceChildren(...(rows.length > 0 ? rows : [row([empty])]));
}

const stateClass = (s) => (s === 'up' || s === 'closed' || s === 'ok' ? 'ok' : s === 'half-open' || s === 'starting' || s === 'restarting' ? 'warn' : 'bad');

/** A button that posts `body` to the admin endpoint `path`, then refreshes the page (and says `noticeOf` its answer). */
function actionButton(label, path, body, noticeOf) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  b.addEventListener('click', () => act(() => api(path, body), noticeOf));
  return b;
}

function modeButton(server, mode) {
  const next = mode === 'read-only' ? null : 'read-only';
  return actionButton(next ? 'make read-only' : 'back to configured', '/admin/mode', { server, mode: next });
}

/** The server's buttons: its mode, and a restart (a stdio server's process, an HTTP server's connection). */
function serverButtons(u) {
  const buttons = document.createElement('span');
  const restart = actionButton('restart', '/admin/restart', { server: u.name }, (json) => (json.up ? `restarted ${json.restarted}` : `${json.restarted} did not come back: ${json.error ?? json.state}`));
  restart.className = 'restart';
  buttons.append(modeButton(u.name, u.mode), ' ', restart);
  return buttons;
}

async function loadHealth() {
  const { json } = await api('/readyz');
  const status = $('#status');
  status.textContent = json.status ?? 'unknown';
  status.className = `pill ${json.ready ? 'ok' : 'bad'}`;
  $('#sessions').textContent = json.sessions !== undefined ? `${json.sessions} sessions` : '';
  if (!json.upstreams) {
    askForKey('Upstream detail is for administrators: enter a key with the mcplex:admin scope.');
    fill($('#upstreams tbody'), [], 'no detail without an admin key');
    return;
  }
  fill(
    $('#upstreams tbody'),
    json.upstreams.map((u) =>
      row(
        [u.name, u.state, u.transport, u.protocolVersion ?? u.era, u.pid, u.restarts, u.breaker?.state, u.latencyP50Ms, u.healthCheck?.failing, u.mode ?? 'normal', u.error ?? u.listenError, serverButtons(u)],
        { 1: stateClass(u.state), 6: stateClass(u.breaker?.state), 10: 'wrap' },
      ),
    ),
    'no servers configured',
  );
  // What the catalog leaves out: names two servers claim, definitions withheld for hidden text.
  const left = [...(json.collisions ?? []).map((c) => `name claimed twice (the later server's hidden): ${c}`), ...(json.withheld ?? []).map((w) => `withheld (hidden text): ${w}`)];
  $('#catalog-problems').textContent = left.join('\n');
  $('#catalog-problems').hidden = left.length === 0;
}

async function loadMode() {
  const { json } = await api('/admin/mode', {});
  const overrides = json.overrides ?? {};
  if (document.activeElement !== $('#mode-select')) $('#mode-select').value = overrides.mode ?? '';
  if (document.activeElement !== $('#disabled')) $('#disabled').value = (overrides.disabledTools ?? []).join(', ');
  const disabled = json.disabledTools ?? [];
  $('#mode-now').textContent = `now: ${json.mode}${disabled.length > 0 ? `, disabled: ${disabled.join(', ')}` : ''}`;
}

async function loadCache() {
  const { status, json } = await api('/admin/cache/stats');
  const box = $('#cache');
  $('#invalidate').hidden = status !== 200;
  if (status !== 200) {
    box.textContent = 'off (no cache: section in the gateway file)';
    return;
  }
  const figures = Object.entries({ ...json.cache, ...(json.dedup && { dedup: json.dedup }) }).map(([k, v]) => `${k} ${typeof v === 'object' ? JSON.stringify(v) : v}`);
  box.textContent = [`store ${json.store}${json.degraded ? ' (degraded: serving from memory)' : ''}`, ...figures].join(' · ');
}

function approveButton(c) {
  // The definition shown, not one the server changed to since the page last read it.
  return actionButton('approve', '/admin/pins/approve', { server: c.server, [c.kind]: c[c.kind], definitions: [c.definition] });
}

async function loadPins() {
  const { status, json } = await api('/admin/pins');
  const tbody = $('#changed-tools tbody');
  if (status !== 200) {
    $('#pins').textContent = 'off (no pinning: section in the gateway file)';
    return fill(tbody, [], '');
  }
  const pinned = Object.values(json.pinned).reduce((a, b) => a + b, 0);
  $('#pins').textContent = `${pinned} tools and prompts pinned in ${json.file} · on change: ${json.onChange}`;
  fill(
    tbody,
    json.changed.map((c) =>
      row([c.server, c.kind === 'prompt' ? `${c.prompt} (prompt)` : c.tool, c.changed.join(', '), c.held ? 'held' : 'served', c.since, c.pinned.description, c.current.description, approveButton(c)], { 3: c.held ? 'bad' : 'warn', 5: 'wrap', 6: 'wrap' }),
    ),
    'no tool or prompt changed since it was pinned',
  );
}

/** What to do about a server's authorization: open its link (a new tab; also to widen it), start one, or drop the grant. */
function oauthAction(s) {
  if (s.authorized && !s.needsScope) {
    // Dropped here but not revoked there (no revocation endpoint, refused, unreachable): said, since it may still be good.
    const notRevoked = (json) => (json.revoked === false ? `'${s.server}': the grant was forgotten here but not revoked at its authorization server (${json.reason})` : undefined);
    const b = actionButton('forget', '/admin/oauth/forget', { server: s.server }, notRevoked);
    b.title = 'Revoke the grant at the authorization server, then forget it';
    return b;
  }
  const url = s.authorizationUrl && URL.canParse(s.authorizationUrl) ? new URL(s.authorizationUrl) : undefined;
  if (url && (url.protocol === 'https:' || url.protocol === 'http:')) {
    const a = document.createElement('a');
    a.href = url.href;
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    a.textContent = 'authorize';
    return a;
  }
  return actionButton('start authorization', '/admin/oauth/authorize', { server: s.server });
}

function oauthState(s) {
  // The person (or the authorization server) said no to the last one: said until another starts.
  if (!s.authorized) return s.refused ? `needs authorization (the last one was refused: ${s.refused.error})` : 'needs authorization';
  return s.needsScope ? `needs scope ${s.needsScope}` : 'authorized';
}

/** What the gateway's grant is (never its tokens): scope, expiry, the refresh ahead of it, DPoP. */
function grantOf(g) {
  if (!g) return '';
  const time = (iso) => new Date(iso).toLocaleTimeString();
  return [g.scope && `scope ${g.scope}`, g.expiresAt && `expires ${time(g.expiresAt)}`, g.refreshAt && `refreshed at ${time(g.refreshAt)}`, !g.refreshable && 'not refreshable', g.dpop && 'DPoP-bound'].filter(Boolean).join(', ');
}

async function loadOAuth() {
  const { json } = await api('/admin/oauth');
  fill(
    $('#oauth tbody'),
    (json.servers ?? []).map((s) => row([s.server, s.perCaller ? 'each their own' : "the gateway's", oauthState(s), grantOf(s.grant), oauthAction(s)], { 2: s.authorized && !s.needsScope ? 'ok' : 'bad', 3: 'wrap' })),
    'none (no server has auth.oauth)',
  );
  const callers = await api('/admin/oauth/callers');
  const rows = (callers.json.servers ?? []).flatMap((s) => [
    ...s.callers.map((c) => row([s.server, c.principal, c.tenant ?? '', grantOf(c.grant), forgetCallerButton(s.server, c)], { 3: 'wrap' })),
    ...(s.truncated ? [row([s.server, 'and more (the first 1000 are listed)', '', '', ''])] : []),
  ]);
  fill($('#caller-grants-table tbody'), rows, 'no caller holds a grant of their own (perCaller servers)');
}

/** Revokes one caller's grant at one server, and says what became of it. */
function forgetCallerButton(server, c) {
  return actionButton('revoke', '/admin/oauth/forget', { principal: c.principal, server, ...(c.tenant !== undefined && { tenant: c.tenant }) }, callerNotice(c.principal));
}

/** What became of a caller's grants, as the forget answer says. */
const callerNotice = (principal) => (json) => {
  const grants = json.grants ?? [];
  if (grants.length === 0) return `${principal} held no grant.`;
  return `${principal}: ${grants.map((g) => `${g.server} ${g.revoked ? 'revoked' : `forgotten here, not revoked (${g.reason})`}`).join('; ')}.`;
};

async function loadReplicas() {
  const { json } = await api('/admin/replicas');
  const upstreams = (u) => Object.entries(u ?? {}).map(([name, state]) => `${name} ${state}`).join(', ');
  const allUp = (u) => Object.values(u ?? {}).every((s) => s === 'up');
  const mine = (json.replicas ?? []).find((r) => r.self)?.config;
  const audit = (a) => (a ? `${a.sink} ${a.store}${a.backlog ? `, ${a.backlog} waiting` : ''}` : 'none');
  fill(
    $('#replicas tbody'),
    (json.replicas ?? []).map((r) =>
      row([r.self ? `${r.id.slice(0, 8)} (this page)` : r.id.slice(0, 8), r.hostname, r.pid, r.startedAt, r.ready ? 'ready' : 'not ready', r.mode ?? 'normal', upstreams(r.upstreams), r.sessions, r.config, audit(r.audit), r.reportedAt], {
        4: r.ready ? 'ok' : 'bad',
        6: allUp(r.upstreams) ? 'ok' : 'warn',
        8: r.config === mine ? 'ok' : 'warn',
        ...(r.audit && { 9: r.audit.store === 'up' ? 'ok' : 'bad' }),
      }),
    ),
    json.error ?? 'none',
  );
}

/** The running config's version and since when; a rejected last reload is said plainly. */
async function loadConfig() {
  const { json } = await api('/admin/config');
  const last = (json.reloads ?? [])[0];
  $('#config').textContent = json.version ? `config ${json.version} since ${json.since}` : '';
  const rejected = $('#config-rejected');
  rejected.hidden = !(last && !last.applied);
  rejected.textContent = last && !last.applied ? `The last reload (${last.at}) was rejected: ${last.problem}. The config above keeps running.` : '';
  fill(
    $('#reloads tbody'),
    (json.reloads ?? []).map((r) => row([r.at, r.applied ? 'applied' : 'rejected', r.applied ? r.version : r.problem], { 1: r.applied ? 'ok' : 'bad', 2: 'wrap' })),
    'none since it started',
  );
  $('#config-json').textContent = JSON.stringify(json.config ?? {}, null, 2);
}

async function loadEndpoints() {
  const { json } = await api('/admin/endpoints');
  const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;
  fill(
    $('#endpoints tbody'),
    (json.endpoints ?? []).map((e) => {
      const total = e.tools + e.prompts + e.resources;
      const shows = `${plural(e.tools, 'tool')}, ${plural(e.prompts, 'prompt')}, ${plural(e.resources, 'resource')}`;
      return row([e.name, e.path, shows, (e.include ?? ['everything']).join(', '), (e.exclude ?? []).join(', '), e.toolSearch ? 'on' : 'off'], { 2: total > 0 ? 'ok' : 'bad', 3: 'wrap', 4: 'wrap' });
    }),
    'none (only the MCP path)',
  );
}

const closeButton = (s) => actionButton('close', '/admin/sessions/close', { session: s.id });

async function loadSessions() {
  const { json } = await api('/admin/sessions');
  fill(
    $('#session-list tbody'),
    (json.sessions ?? []).map((s) =>
      row([s.id.slice(0, 8), s.tenant ? `${s.principal} (${s.tenant})` : s.principal, s.client, s.clientInfo ? `${s.clientInfo.name} ${s.clientInfo.version}` : '', [s.protocolVersion, s.transport].filter(Boolean).join(' '), s.openedAt, s.lastRequestAt, s.inFlight, s.replica ? s.replica.slice(0, 8) : '', closeButton(s)]),
    ),
    'none',
  );
}

function cancelButton(t) {
  if (t.status !== 'working' && t.status !== 'input_required') return '';
  return actionButton('cancel', '/admin/tasks/cancel', { taskId: t.taskId });
}

async function loadTasks() {
  const { json } = await api('/admin/tasks');
  const statusClass = (s) => (s === 'completed' ? 'ok' : s === 'working' || s === 'input_required' ? 'warn' : 'bad');
  fill(
    $('#tasks tbody'),
    (json.tasks ?? []).map((t) =>
      row([t.taskId.slice(0, 8), t.tool, t.upstream, t.tenant ? `${t.principal} (${t.tenant})` : t.principal, t.status, t.statusMessage, t.createdAt, cancelButton(t)], { 4: statusClass(t.status), 5: 'wrap' }),
    ),
    'none (tools run as tasks are named in servers.<name>.tasks)',
  );
}

async function loadAudit() {
  const q = new URLSearchParams({ limit: '50' });
  for (const [id, key] of [['#f-principal', 'principal'], ['#f-tool', 'tool'], ['#f-method', 'method'], ['#f-since', 'since'], ['#f-endpoint', 'endpoint'], ['#f-client', 'client']]) {
    const v = $(id).value.trim();
    if (v) q.set(key, v);
  }
  const { status, json } = await api(`/admin/audit?${q}`);
  const tbody = $('#audit tbody');
  if (status === 404) {
    $('#audit-head').textContent = '';
    return fill(tbody, [], 'off (no audit: section in the gateway file)');
  }
  if (status !== 200) return fill(tbody, [], json.error ?? `error ${status}`);
  fill(
    tbody,
    json.records.reverse().map((r) => row([r.seq, r.time, r.principal, r.tenant, r.method, r.target, r.upstream, r.outcome, r.errorCode, r.durationMs, r.endpoint, r.client], { 5: 'wrap', 7: r.outcome === 'ok' ? 'ok' : 'bad' })),
    'no records match',
  );
  const head = await api('/admin/audit/head');
  $('#audit-head').textContent = head.json.anchor ? `head ${head.json.anchor.slice(0, 24)}…` : '';
}

async function refresh() {
  try {
    await loadHealth();
    await Promise.all([loadMode(), loadCache(), loadReplicas(), loadConfig(), loadEndpoints(), loadSessions(), loadTasks(), loadOAuth(), loadPins(), loadAudit()]);
    $('#error').hidden = true;
    document.body.dataset.loaded = String(Date.now());
  } catch (err) {
    if (err instanceof NeedsKey) return;
    $('#error').textContent = `Could not reach the gateway: ${err.message}`;
    $('#error').hidden = false;
  }
}

/** Runs an admin action, then shows its effect. */
async function act(action, noticeOf = () => undefined) {
  let notice;
  try {
    const { status, json } = await action();
    if (status >= 400) throw new Error(json.error ?? `error ${status}`);
    notice = noticeOf(json);
  } catch (err) {
    if (err instanceof NeedsKey) return;
    $('#error').textContent = err.message;
    $('#error').hidden = false;
    return;
  }
  await refresh();
  $('#notice').textContent = notice ?? '';
  $('#notice').hidden = notice === undefined;
}

$('#login').addEventListener('submit', (e) => {
  e.preventDefault();
  sessionStorage.setItem(KEY, $('#key').value.trim());
  $('#key').value = '';
  $('#login').hidden = true;
  void refresh();
});
$('#mode').addEventListener('submit', (e) => {
  e.preventDefault();
  const tools = $('#disabled').value.split(',').map((t) => t.trim()).filter(Boolean);
  void act(() => api('/admin/mode', { mode: $('#mode-select').value || null, disabledTools: tools.length > 0 ? tools : null }));
});
// Someone who left, or whose credentials were stolen: each of their upstream grants revoked where it was issued.
$('#caller-grants').addEventListener('submit', (e) => {
  e.preventDefault();
  const principal = $('#caller-id').value.trim();
  const tenant = $('#caller-tenant').value.trim();
  void act(() => api('/admin/oauth/forget', { principal, ...(tenant && { tenant }) }), callerNotice(principal));
});
$('#invalidate').addEventListener('click', () => act(() => api('/admin/cache/invalidate', { all: true })));
$('#audit-filter').addEventListener('submit', (e) => {
  e.preventDefault();
  void refresh();
});
// The whole chain walked by the gateway (GET /admin/audit/verify): intact, or the first record that breaks it.
$('#audit-verify').addEventListener('click', async () => {
  try {
    const { status, json } = await api('/admin/audit/verify');
    if (status !== 200) throw new Error(json.error ?? `error ${status}`);
    const after = json.start ? ` after record ${json.start.seq} (the older ones removed by retention)` : '';
    const box = json.ok ? $('#notice') : $('#error');
    box.textContent = json.ok ? `The audit chain is intact: ${json.checked} records${after}.` : `The audit chain is broken: ${json.firstBad?.message}`;
    box.hidden = false;
  } catch (err) {
    if (err instanceof NeedsKey) return;
    $('#error').textContent = err.message;
    $('#error').hidden = false;
  }
});
$('#refresh').addEventListener('click', () => void refresh());
setInterval(() => {
  if ($('#auto').checked && document.visibilityState !== 'hidden') void refresh();
}, 5000);
void refresh();
