// How `mcplex admin` talks to a running gateway: its admin endpoints over HTTP (the same the admin page reads), with
// the admin credential from MCPLEX_ADMIN_KEY or the file MCPLEX_ADMIN_KEY_FILE names (never a command argument: those
// show in `ps`), and what goes wrong said as an operator can act on it (not running, no credential, a credential
// without the admin scope, the gateway's own answer to a bad request).
import { readFileSync } from 'node:fs';
import { ExitError } from './exit-error.js';

/** Where `mcplex admin` finds the gateway when --url is not given. */
export const DEFAULT_ADMIN_URL = 'http://127.0.0.1:7333';

export interface AdminTarget {
  url: string;
  /** An API key or bearer token with the mcplex:admin scope (`adminKey()`). */
  key?: string;
  /** Or a login to the gateway's authorization server (`--oauth`: admin-login.ts). */
  login?: AdminLogin;
  timeoutMs?: number;
}

/** An access token from a login, and what to do when the gateway refuses it. */
export interface AdminLogin {
  token(): Promise<string | undefined>;
  /** The token lacks the admin scope: ask the person to widen the grant, and wait. */
  widen(): Promise<void>;
  /** The token is refused (revoked, run out): ask the person to log in again, and wait. */
  reauthorize(): Promise<void>;
}

/** The options every `mcplex admin` command takes. */
export interface AdminOptions {
  url?: string;
  json?: boolean;
  oauth?: boolean;
}

export type Answer = Record<string, unknown>;

/**
 * The admin credential: MCPLEX_ADMIN_KEY, else the file MCPLEX_ADMIN_KEY_FILE names (a mounted secret; its trailing
 * newline dropped); none when neither is set. A file that cannot be read, or is empty, ends the command (exit 2).
 */
export function adminKey(env = process.env): string | undefined {
  if (env.MCPLEX_ADMIN_KEY) return env.MCPLEX_ADMIN_KEY;
  const file = env.MCPLEX_ADMIN_KEY_FILE;
  if (!file) return undefined;
  let key: string;
  try {
    key = readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new ExitError(`MCPLEX_ADMIN_KEY_FILE: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, 2);
  }
  if (key === '') throw new ExitError(`MCPLEX_ADMIN_KEY_FILE: ${file} is empty; expected the admin API key or token`, 2);
  return key;
}

/**
 * The gateway at `url` with the command's credential: MCPLEX_ADMIN_KEY (or its file), or with `oauth` a login to the
 * gateway's authorization server (admin-login.ts, loaded only then), the browser opened when a person is at the terminal.
 */
export function adminTarget(url: string, oauth?: boolean): AdminTarget {
  const key = adminKey();
  if (!oauth) return { url, ...(key !== undefined && { key }) };
  if (key !== undefined) throw new ExitError('--oauth logs in instead of using MCPLEX_ADMIN_KEY (or MCPLEX_ADMIN_KEY_FILE): give one of them', 2);
  const login = import('./admin-login.js').then((m) => m.adminLogin(url, process.stderr.isTTY === true));
  // Requests refused at once (a command's parallel requests) wait for the one approval the first asked for.
  let asking: Promise<void> | undefined;
  const ask = (what: 'widen' | 'reauthorize') => {
    asking ??= login.then((l) => l[what]()).finally(() => {
      asking = undefined;
    });
    return asking;
  };
  return { url, login: { token: async () => (await login).token(), widen: () => ask('widen'), reauthorize: () => ask('reauthorize') } };
}

/** GET (no body) or POST `body` to `path`; the JSON answer, or an ExitError (1) saying what went wrong. */
export async function adminRequest(target: AdminTarget, path: string, body?: unknown): Promise<Answer> {
  const url = new URL(path, target.url);
  let key: string | undefined;
  const send = async (): Promise<Response> => {
    key = target.key ?? (await target.login?.token());
    try {
      return await fetch(url, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { accept: 'application/json', ...(body !== undefined && { 'content-type': 'application/json' }), ...(key && { authorization: `Bearer ${key}` }) },
        ...(body !== undefined && { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(target.timeoutMs ?? 15_000),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (err as Error).message;
      throw new ExitError(`cannot reach the gateway at ${target.url} (${why}): is it running there? (--url or MCPLEX_URL)`, 1);
    }
  };
  let res = await send();
  // A login's token refused, or without the admin scope: the person is asked once, and the request sent again.
  if (target.login && (res.status === 401 || res.status === 403)) {
    await res.body?.cancel();
    // Unless another request of the command has already had the token replaced.
    if ((await target.login.token()) === key) await (res.status === 401 ? target.login.reauthorize() : target.login.widen());
    res = await send();
  }
  const text = await res.text();
  let answer: Answer;
  try {
    answer = JSON.parse(text) as Answer;
  } catch {
    throw new ExitError(`${url.href} answered ${res.status} with something other than JSON: is ${target.url} an mcplex gateway?`, 1);
  }
  if (res.status === 401) throw new ExitError(`the gateway asks for an admin credential: set MCPLEX_ADMIN_KEY (or MCPLEX_ADMIN_KEY_FILE) to an API key or bearer token with the mcplex:admin scope, or log in with --oauth (${describe(answer)})`, 1);
  if (res.status === 403 && target.login) throw new ExitError(`the authorization server did not grant this login the mcplex:admin scope, which the admin endpoints need (${describe(answer)})`, 1);
  if (res.status === 403) throw new ExitError(`the credential given may not use the admin endpoints: it needs the mcplex:admin scope (${describe(answer)})`, 1);
  // /readyz answers 503 with its detail when not ready: that is an answer, not a failure.
  if (res.status >= 400 && !(path === '/readyz' && res.status === 503)) throw new ExitError(`${body === undefined ? 'GET' : 'POST'} ${path}: ${res.status} ${describe(answer)}`, 1);
  return answer;
}

function describe(answer: Answer): string {
  const { error, error_description: detail } = answer as { error?: unknown; error_description?: unknown };
  return [error, detail].filter((s) => typeof s === 'string' && s !== '').join(': ') || JSON.stringify(answer);
}

/** Writes `text` as one or more lines to stdout. */
export function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}
