// SEP-2243 (2026-07-28 Streamable HTTP): a tool's `inputSchema` may mark a primitive parameter `"x-mcp-header":
// "Region"`, and a tools/call over HTTP then carries its value in an `Mcp-Param-Region` header too (plain ASCII
// as is, anything else as `=?base64?<UTF-8 in Base64>?=`), so proxies can route on it without reading the body.
// A server rejects a call whose header is missing, malformed or says otherwise than the body (HTTP 400, -32020).
// The SDK 2.4 does both sides only inside `McpServer` and `Client.callTool` and exports neither; this follows the
// same rules for mcplex's own servers and for the gateway's calls to its upstreams.

/** One parameter mirrored in a header: where it is in the arguments, and the header's name after `Mcp-Param-`. */
export interface ParamHeader {
  readonly path: readonly string[];
  readonly name: string;
  readonly numeric: boolean;
}

/** The -32020 (HeaderMismatch) code the spec answers with HTTP 400. */
export const HEADER_MISMATCH = -32020;
export const PARAM_HEADER_PREFIX = 'Mcp-Param-';

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const PRIMITIVE = new Set(['string', 'integer', 'boolean', 'number']);
const SENTINEL = ['=?base64?', '?='] as const;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const DECIMAL = /^-?\d+(\.\d+)?$/;
const NONE: readonly ParamHeader[] = [];
const scanned = new WeakMap<object, readonly ParamHeader[]>();

/** The parameters a tool's input schema mirrors in headers (reachable through `properties` only); cached per schema. */
export function paramHeadersOf(inputSchema: unknown): readonly ParamHeader[] {
  if (typeof inputSchema !== 'object' || inputSchema === null) return NONE;
  let found = scanned.get(inputSchema);
  if (!found) {
    const out: ParamHeader[] = [];
    const visit = (node: unknown, path: string[]) => {
      if (typeof node !== 'object' || node === null) return;
      const schema = node as Record<string, unknown>;
      const name = schema['x-mcp-header'];
      if (path.length > 0 && typeof name === 'string' && TOKEN.test(name) && PRIMITIVE.has(String(schema.type))) {
        out.push({ path, name, numeric: schema.type === 'integer' || schema.type === 'number' });
      }
      const props = schema.properties;
      if (typeof props === 'object' && props !== null) for (const [key, child] of Object.entries(props)) visit(child, [...path, key]);
    };
    visit(inputSchema, []);
    found = out.length > 0 ? out : NONE;
    scanned.set(inputSchema, found);
  }
  return found;
}

function valueAt(root: unknown, path: readonly string[]): unknown {
  let node = root;
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** A primitive argument as its header text; undefined for what no header carries (objects, non-finite numbers). */
function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number' && Number.isFinite(value) && (!Number.isInteger(value) || Number.isSafeInteger(value))) return String(value);
  return undefined;
}

/** Whether a value cannot travel as a plain header value (non-ASCII, control characters, edge spaces, a sentinel look-alike). */
function needsBase64(s: string): boolean {
  if (s.length === 0 || s !== s.trim() || (s.startsWith(SENTINEL[0]) && s.endsWith(SENTINEL[1]))) return true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 9 && (c < 32 || c > 126)) return true;
  }
  return false;
}

/** A header value as sent: as is, or Base64-wrapped. */
export function encodeParamHeader(text: string): string {
  return needsBase64(text) ? `${SENTINEL[0]}${Buffer.from(text, 'utf8').toString('base64')}${SENTINEL[1]}` : text;
}

/** A received header value's text; undefined when it has the sentinel but not canonical Base64 of UTF-8. */
export function decodeParamHeader(value: string): string | undefined {
  if (!(value.startsWith(SENTINEL[0]) && value.endsWith(SENTINEL[1]))) return value;
  const b64 = value.slice(SENTINEL[0].length, value.length - SENTINEL[1].length);
  if (!BASE64.test(b64)) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(b64, 'base64'));
  } catch {
    return undefined;
  }
}

/** The headers a tools/call with these arguments carries (a parameter absent or null: none). */
export function paramHeaderValues(declared: readonly ParamHeader[], args: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of declared) {
    const text = textOf(valueAt(args, d.path));
    if (text !== undefined) out[`${PARAM_HEADER_PREFIX}${d.name}`] = encodeParamHeader(text);
  }
  return out;
}

/** Why a call's headers disagree with its arguments (for the -32020 error), or undefined when they agree. */
export function paramHeaderMismatch(declared: readonly ParamHeader[], args: unknown, header: (name: string) => string | null | undefined): { header: string; body: string } | undefined {
  for (const d of declared) {
    const raw = valueAt(args, d.path);
    const text = raw === null ? undefined : textOf(raw);
    if (text === undefined) continue;
    const name = `${PARAM_HEADER_PREFIX}${d.name}`;
    const where = `${d.path.join('.')}=${JSON.stringify(raw)}`;
    const sent = header(name)?.trim();
    if (sent === undefined || sent === null) return { header: name, body: `the body carries ${where} but the ${name} header is absent` };
    const decoded = decodeParamHeader(sent);
    if (decoded === undefined) return { header: name, body: `the ${name} header carries an invalid Base64 sentinel value` };
    const same = d.numeric && typeof raw === 'number' && DECIMAL.test(decoded) ? Number(decoded) === raw : decoded === text;
    if (!same) return { header: name, body: `the ${name} header decodes to ${JSON.stringify(decoded)} but the body carries ${where}` };
  }
  return undefined;
}
