// One text for equal JSON data, whatever the order its objects' keys were built in: the basis of cache keys and
// of the audit log's hash chain.

/**
 * JSON with object keys sorted at every depth (RFC 8785's ordering for the ASCII keys tools use). Values JSON
 * cannot carry (undefined, functions) drop out of objects as JSON.stringify drops them.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const parts: string[] = [];
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key];
    if (v === undefined || typeof v === 'function') continue;
    parts.push(`${JSON.stringify(key)}:${canonicalJson(v)}`);
  }
  return `{${parts.join(',')}}`;
}
