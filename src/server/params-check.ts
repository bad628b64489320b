// Shape checks for request params, run before the pipeline so that middleware and terminals only ever see
// well-formed params. The SDK validates most of these itself, but not on the passthrough path (the gateway),
// where a missing `ref` or an object in place of a name would surface as -32603, nor a bad log level.

type P = Record<string, unknown>;
const isObject = (v: unknown): v is P => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (p: P, key: string, where = key) => (typeof p[key] === 'string' ? undefined : `${where} must be a string`);
const optObject = (p: P, key: string) => (p[key] === undefined || isObject(p[key]) ? undefined : `${key} must be an object`);
const optString = (p: P, key: string) => (p[key] === undefined || typeof p[key] === 'string' ? undefined : `${key} must be a string`);

function completion(p: P): string | undefined {
  const ref = p.ref;
  if (!isObject(ref)) return 'ref must be an object ({ type: "ref/prompt", name } or { type: "ref/resource", uri })';
  if (ref.type !== 'ref/prompt' && ref.type !== 'ref/resource') return "ref.type must be 'ref/prompt' or 'ref/resource'";
  const named = ref.type === 'ref/prompt' ? str(ref, 'name', 'ref.name') : str(ref, 'uri', 'ref.uri');
  if (named) return named;
  const arg = p.argument;
  if (!isObject(arg)) return 'argument must be an object ({ name, value })';
  return str(arg, 'name', 'argument.name') ?? str(arg, 'value', 'argument.value') ?? optObject(p, 'context');
}

const LEVELS = new Set(['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency']);

const CHECKS = new Map<string, (p: P) => string | undefined>([
  ['logging/setLevel', (p) => (typeof p.level === 'string' && LEVELS.has(p.level) ? undefined : `level must be one of ${[...LEVELS].join(', ')}`)],
  ['tools/call', (p) => str(p, 'name') ?? optObject(p, 'arguments')],
  ['prompts/get', (p) => str(p, 'name') ?? optObject(p, 'arguments')],
  ['resources/read', (p) => str(p, 'uri')],
  ['resources/subscribe', (p) => str(p, 'uri')],
  ['resources/unsubscribe', (p) => str(p, 'uri')],
  ['completion/complete', completion],
  ['tools/list', (p) => optString(p, 'cursor')],
  ['prompts/list', (p) => optString(p, 'cursor')],
  ['resources/list', (p) => optString(p, 'cursor')],
  ['resources/templates/list', (p) => optString(p, 'cursor')],
]);

/** What is wrong with `params` for `method`, naming the field; undefined when they are fine (or the method is not ours). */
export function paramsProblem(method: string, params: P): string | undefined {
  return CHECKS.get(method)?.(params);
}
