// What `mcplex check --connect` asks of what a gateway file depends on besides its servers, each once and bounded in
// time: every Redis it names (PING), the audit store (PostgreSQL: a connection and a query; SQLite: the file read as
// a database and writable, or the directory it is made in; the spill file's), and the identity providers callers are
// checked against (the JWT key set, the introspection endpoint answering as the gateway's client, the OAuth proxy's
// and caller confirmation's providers found, their private keys read). Credentials in URLs are never printed.
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { TokenIntrospector } from '../middleware/auth/index.js';
import { IdentityProvider, OAuthProxy } from '../server/index.js';
import { oauthProxySettings } from '../gateway/auth.js';
import type { GatewayConfig } from '../gateway/config/index.js';
import { describeAuditDatabase } from '../stores/sqlite/audit-file-check.js';

/** What one dependency answered. */
export interface DependencyReport {
  kind: 'redis' | 'audit' | 'jwt keys' | 'introspection' | 'oauth proxy' | 'caller confirmation';
  /** Where it is (credentials hidden). */
  target: string;
  /** The sections that use it. */
  usedBy?: string[];
  ok: boolean;
  /** What it answered, when it did. */
  detail?: string;
  /** Why it did not. */
  error?: string;
}

/** How long one dependency may take to answer. */
const TIMEOUT_MS = 5_000;

/** Asks each dependency of `config`, all at once; resolves with one report each, in a stable order. */
export function checkDependencies(config: GatewayConfig): Promise<DependencyReport[]> {
  const checks: Array<Promise<DependencyReport>> = [];
  for (const [url, usedBy] of redisUrls(config)) checks.push(asked({ kind: 'redis', target: hidden(url), usedBy }, () => pingRedis(url)));
  const audit = config.audit;
  if (audit?.sink === 'postgres' && audit.url) checks.push(asked({ kind: 'audit', target: `postgres ${hidden(audit.url)}` }, () => queryPostgres(audit.url!)));
  if (audit?.sink === 'sqlite') checks.push(asked({ kind: 'audit', target: `sqlite ${resolve(audit.path ?? '')}` }, () => sqliteLog(audit.path!, audit.table)));
  if (audit?.sink === 'postgres' && audit.spillPath) checks.push(asked({ kind: 'audit', target: `spill file ${resolve(audit.spillPath)}` }, async () => (await writable(audit.spillPath)).said));
  const jwt = config.auth?.jwt;
  if (jwt?.jwksUrl) checks.push(asked({ kind: 'jwt keys', target: jwt.jwksUrl }, () => keySet(jwt.jwksUrl!)));
  const introspection = config.auth?.introspection;
  if (introspection) {
    checks.push(
      asked({ kind: 'introspection', target: introspection.issuer }, async () => {
        await new TokenIntrospector(introspection).probe();
        return `the introspection endpoint answers client ${introspection.clientId}`;
      }),
    );
  }
  const proxy = oauthProxySettings(config.auth);
  if (proxy) checks.push(asked({ kind: 'oauth proxy', target: proxy.idpIssuer }, () => providerFound(OAuthProxy.providerClient(proxy))));
  const confirm = config.oauth?.confirmCaller?.oidc;
  if (confirm) checks.push(asked({ kind: 'caller confirmation', target: confirm.issuer }, () => providerFound(confirm)));
  return Promise.all(checks);
}

/** Runs `ask` within the time bound: its answer as `detail`, or its failure as `error`. */
async function asked(report: Omit<DependencyReport, 'ok'>, ask: () => Promise<string>): Promise<DependencyReport> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${TIMEOUT_MS / 1000} s`)), TIMEOUT_MS);
  });
  try {
    return { ...report, ok: true, detail: await Promise.race([ask(), late]) };
  } catch (err) {
    return { ...report, ok: false, error: messageOf(err) };
  } finally {
    clearTimeout(timer);
  }
}

/** An error's message, with its cause's (fetch says only "fetch failed"). */
function messageOf(err: unknown): string {
  const { message, cause } = err as Error & { cause?: Error };
  return cause?.message ? `${message} (${cause.message})` : message || String(err);
}

/** Each Redis URL the file names, with the sections that use it. */
function redisUrls(config: GatewayConfig): Map<string, string[]> {
  const urls = new Map<string, string[]>();
  const add = (url: string | undefined, section: string) => {
    if (url) urls.set(url, [...(urls.get(url) ?? []), section]);
  };
  add(config.cluster?.redis.url, 'cluster');
  if (config.cache?.store === 'redis') add(config.cache.redis?.url, 'cache');
  if (config.policy?.store.kind === 'redis') add(config.policy.store.url, 'policy');
  if (config.oauth?.store === 'redis') add(config.oauth.redis?.url, 'oauth');
  return urls;
}

/** A URL with its password and query (which may carry one: `?sslpassword=`) hidden; the user name is kept. */
function hidden(url: string): string {
  if (!URL.canParse(url)) return '(a URL that does not parse)';
  const u = new URL(url);
  if (u.password) u.password = '***';
  if (u.search) u.search = '?***';
  return u.href;
}

async function pingRedis(url: string): Promise<string> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: TIMEOUT_MS, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
  // ioredis rejects with "Connection is closed"; why it closed is the error it emitted.
  let cause: Error | undefined;
  redis.on('error', (err: Error) => {
    cause = err;
  });
  try {
    await redis.connect().catch((err: Error) => {
      throw cause ?? err;
    });
    const started = performance.now();
    const answer = await redis.ping();
    return `${answer} in ${(performance.now() - started).toFixed(1)} ms`;
  } finally {
    redis.disconnect();
  }
}

async function queryPostgres(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: TIMEOUT_MS });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query<{ user: string; version: string }>("select current_user as user, current_setting('server_version') as version");
    return `connected as ${rows[0]?.user} (PostgreSQL ${rows[0]?.version})`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The file may be written: it is, or its directory is (when the file does not exist yet; `exists` says which). */
async function writable(path: string): Promise<{ exists: boolean; said: string }> {
  const file = resolve(path);
  const exists = await access(file).then(
    () => true,
    () => false,
  );
  await access(exists ? file : dirname(file), constants.W_OK).catch(() => {
    throw new Error(`${exists ? file : `its directory ${dirname(file)}`} cannot be written by this user`);
  });
  return { exists, said: exists ? 'the file can be written' : 'its directory can be written (the file is made at start)' };
}

/** The SQLite audit log: its directory writable when it is not made yet; else a database of ours, and writable. */
async function sqliteLog(path: string, table: string): Promise<string> {
  const { exists, said } = await writable(path);
  if (!exists) return said;
  try {
    return `${describeAuditDatabase(resolve(path), table)}; ${said}`;
  } catch (err) {
    throw new Error(`it cannot be read as a SQLite database: ${(err as Error).message}`);
  }
}

async function keySet(url: string): Promise<string> {
  const res = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(TIMEOUT_MS) });
  if (!res.ok) throw new Error(`it answered HTTP ${res.status}`);
  const body = (await res.json().catch(() => undefined)) as { keys?: unknown } | undefined;
  const keys = Array.isArray(body?.keys) ? body.keys.length : 0;
  if (keys === 0) throw new Error('it answered no keys (expected a JSON Web Key Set: { "keys": [...] })');
  return `${keys} key${keys === 1 ? '' : 's'}`;
}

/** The provider found (discovered, or known by its endpoints) and the client's private key, if any, read. */
async function providerFound(client: Parameters<IdentityProvider['configuration']>[0]): Promise<string> {
  const metadata = (await new IdentityProvider().configuration(client)).serverMetadata();
  const how = client.endpoints ? 'its endpoints as configured' : 'discovered';
  return `${how}: token endpoint ${metadata.token_endpoint}${client.privateKeyFile ? ', private key read' : ''}`;
}
