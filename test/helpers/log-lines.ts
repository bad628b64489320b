// Log lines as a log store reads them. A JSON line that names a field twice (a child logger's binding and the
// same field given again at the call) is refused by some stores (Elasticsearch's strict parsing) and read
// differently by others (which value wins), so no line may.

/** The keys that an object in the JSON text `line` names more than once, at any depth. */
export function repeatedKeys(line: string): string[] {
  const repeated: string[] = [];
  // One entry per open object (the keys seen) or array (null).
  const open: Array<Set<string> | null> = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (c === '"') {
      let end = i + 1;
      while (end < line.length && line[end] !== '"') end += line[end] === '\\' ? 2 : 1;
      const text = line.slice(i, end + 1);
      i = end + 1;
      while (/\s/.test(line[i] ?? '')) i++;
      const keys = open.at(-1);
      if (line[i] === ':' && keys) {
        const key = JSON.parse(text) as string;
        if (keys.has(key)) repeated.push(key);
        keys.add(key);
      }
      continue;
    }
    if (c === '{') open.push(new Set());
    else if (c === '[') open.push(null);
    else if (c === '}' || c === ']') open.pop();
    i++;
  }
  return repeated;
}

/** The JSON log lines of `text` (other lines, a CLI's own messages, left out) that name a field twice, with the fields. */
export function linesWithRepeatedKeys(text: string): Array<{ line: string; keys: string[] }> {
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((line) => ({ line, keys: repeatedKeys(line) }))
    .filter((l) => l.keys.length > 0);
}
