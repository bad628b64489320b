// Scrubs credentials from text bound for logs, health output and wire errors: URL user-info and query strings,
// inline credential fields ("Authorization: Bearer …", "api_key=…"), and any literal secrets the caller knows of.

export const REDACTED = '[redacted]';

/** Field and header names whose value is a credential, compared without case, '-' or '_'. */
const SECRET_NAMES = new Set([
  'authorization',
  'proxyauthorization',
  'cookie',
  'setcookie',
  'apikey',
  'xapikey',
  'authtoken',
  'xauthtoken',
  'xaccesstoken',
  'xcsrftoken',
  'token',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'password',
  'passwd',
  'secret',
  'clientsecret',
  'privatekey',
  'credentials',
]);
/** Names that end in one of these words are credentials too: GITHUB_TOKEN, X-Tenant-Secret, dbPassword. */
const SECRET_SUFFIX = /(token|secret|password|passwd|apikey|credentials?|privatekey)$/;

export function isSecretName(name: string): boolean {
  const n = name.toLowerCase().replace(/[-_]/g, '');
  return SECRET_NAMES.has(n) || SECRET_SUFFIX.test(n);
}

/** A command-line flag whose value is a credential: `--token`, `--api-key`, `-password`, `--key`, `--client-secret`. */
const SECRET_FLAG = /^--?([a-z][\w-]*)$/i;

/**
 * A command's arguments fit to show: each scrubbed as text (`--api-key=…`, URLs), and the one after a flag named as
 * a credential (`--token abc`) replaced whole.
 */
export function redactArgv(args: readonly string[]): string[] {
  return args.map((arg, i) => {
    const flag = i > 0 ? SECRET_FLAG.exec(args[i - 1]!)?.[1] : undefined;
    return flag !== undefined && (isSecretName(flag) || /(^|[-_])key$/i.test(flag)) ? REDACTED : redactText(arg);
  });
}

/** A URL fit for messages and health output: no credentials, query or fragment (tokens hide there). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

// scheme://[user-info@]host/path[?query][#fragment] anywhere in a text; quotes and brackets end the query.
const URL_IN_TEXT = /\b([a-z][a-z0-9+.-]*:\/\/)(?:[^\s/?#'"<>]*@)?([^\s?#'"<>]*)(\?[^\s#'"<>)\]}]*)?(#[^\s'"<>)\]}]*)?/gi;
// name: value, name=value, "name":"value" for credential-looking names; the value may carry a scheme (Bearer x).
const FIELD_IN_TEXT =
  /\b([\w-]*(?:authorization|cookie|token|secret|password|passwd|api[-_]?key))\b(["']?\s*[:=]\s*["']?)((?:(?:bearer|basic|digest|token)\s+)?[^\s"',;&)}\]]+)/gi;
const SCHEME_TOKEN = /\b(Bearer|Basic)\s+(?=[\w.~+/-]*[\d=])[\w.~+/=-]{8,}/gi;
/**
 * Words that follow "token: " or "authorization: " in prose ("Invalid token: it has expired", "needs authorization:
 * open the URL"), never as a credential: left as they are.
 */
const PROSE_WORDS = new Set(['a', 'an', 'the', 'it', 'its', 'this', 'that', 'these', 'there', 'not', 'no', 'none', 'is', 'was', 'has', 'had', 'open', 'send', 'give', 'use', 'missing', 'invalid', 'expired', 'unknown', 'refused', 'required', 'needed']);

/**
 * `text` with URL user-info and query strings, inline credential fields and every literal in `secrets` (plain or
 * percent-encoded) replaced by [redacted]. Secrets shorter than 4 characters are ignored: they would eat words.
 */
export function redactText(text: string, secrets: Iterable<string> = []): string {
  let out = text;
  const literal = [...new Set(secrets)].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
  for (const s of literal) {
    out = out.replaceAll(s, REDACTED);
    const encoded = encodeURIComponent(s);
    if (encoded !== s) out = out.replaceAll(encoded, REDACTED);
  }
  return out
    .replace(URL_IN_TEXT, (_all, scheme: string, rest: string, query?: string) => `${scheme}${rest}${query ? `?${REDACTED}` : ''}`)
    .replace(FIELD_IN_TEXT, (all, name: string, sep: string, value: string) => (/^:\s+$/.test(sep) && PROSE_WORDS.has(value) ? all : `${name}${sep}${REDACTED}`))
    .replace(SCHEME_TOKEN, (_all, scheme: string) => `${scheme} ${REDACTED}`);
}
