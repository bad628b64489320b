// One text for equal JSON data, whatever the order its objects' keys were built in: the basis of cache keys and
// of the audit log's hash chain (so its output must never change: test/core/canonical-json.test.ts pins it).

/**
 * JSON with object keys sorted at every depth (RFC 8785's ordering for the ASCII keys tools use). Values JSON
 * cannot carry (undefined, functions) drop out of objects as JSON.stringify drops them, and are null in arrays.
 * Built by concatenation, and keys already in order (records built in order) are not sorted again: it runs
 * several times per request.
 */
export function canonicalJson(value: unknown): string {
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
