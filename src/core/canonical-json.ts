// One text for equal JSON data, whatever the order its objects' keys were built in: the basis of cache keys and
// of the audit log's hash chain (so its output must never change: test/core/canonical-json.test.ts pins it).

/**
 * JSON with object keys sorted at every depth (RFC 8785's ordering for the ASCII keys tools use). Values JSON
 * cannot carry (undefined, functions) drop out of objects as JSON.stringify drops them, and are null in arrays.
 * Plain data whose keys are already in order is written by JSON.stringify (the same text); only the parts with
 * keys out of order are built by concatenation. It runs several times per request (cache keys, audit digests).
 */
export function canonicalJson(value: unknown): string {
  // Most values are already canonical (plain data, keys in order): then V8's own JSON.stringify writes the same text
  // at a fraction of the cost of building it here.
  if (inOrder(value, 0)) return JSON.stringify(value) ?? 'null';
  return built(value);
}

/**
 * Whether JSON.stringify writes `value` exactly as canonicalJson does: strings, numbers, booleans and null in plain
 * arrays and plain objects whose keys (as Object.keys orders them) are already sorted. Anything else (undefined, a
 * function, a Date, a class instance, integer-like keys out of string order, great depth) says no.
 */
function inOrder(value: unknown, depth: number): boolean {
  if (value === null) return true;
  const type = typeof value;
  if (type === 'string' || type === 'number' || type === 'boolean') return true;
  if (type !== 'object' || depth > 64) return false;
  const proto = Object.getPrototypeOf(value);
  if (proto === Array.prototype) {
    for (const v of value as unknown[]) if (!inOrder(v, depth + 1)) return false;
    return true;
  }
  if (proto !== Object.prototype && proto !== null) return false;
  let previous: string | undefined;
  for (const key in value as Record<string, unknown>) {
    if (previous !== undefined && !(previous < key)) return false;
    if (!inOrder((value as Record<string, unknown>)[key], depth + 1)) return false;
    previous = key;
  }
  return true;
}

/** Sorts what needs it; each member goes through canonicalJson again, so in-order parts still take the fast path. */
function built(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      out += `${i === 0 ? '' : ','}${v === undefined || typeof v === 'function' ? 'null' : canonicalJson(v)}`;
    }
    return `${out}]`;
  }
  const keys = Object.keys(value);
  for (let i = 1; i < keys.length; i++) {
    if (keys[i - 1]! > keys[i]!) {
      keys.sort();
      break;
    }
  }
  let out = '';
  for (const key of keys) {
    const v = (value as Record<string, unknown>)[key];
    if (v === undefined || typeof v === 'function') continue;
    out += `${out === '' ? '' : ','}${JSON.stringify(key)}:${typeof v === 'string' ? JSON.stringify(v) : canonicalJson(v)}`;
  }
  return `{${out}}`;
}
