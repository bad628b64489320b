// "Did you mean …?" for unknown keys: a typo of a known key, or a key another MCP client uses for the
// same thing, gets pointed at the spelling mcplex expects.
import { z } from 'zod';

/** Keys people bring from other tools' configs, and what to write instead. */
const FOREIGN: Record<string, { key: string; advice: string }> = {
  disabled: { key: 'enabled', advice: "use 'enabled: false'" },
  timeout: { key: 'timeoutMs', advice: "use 'timeoutMs' (milliseconds)" },
  environment: { key: 'env', advice: "use 'env'" },
  serverUrl: { key: 'url', advice: "use 'url'" },
  bind: { key: 'host', advice: "use 'host' (the interface to listen on)" },
};

function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const next = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = prev[j]!;
      prev[j] = next;
    }
  }
  return prev[b.length]!;
}

/** The closest known key, if it is close enough to be a plausible typo. */
export function closest(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  let best: string | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const k of known) {
    const score = k.toLowerCase() === lower ? 0 : distance(lower, k.toLowerCase());
    if (score < bestScore) [best, bestScore] = [k, score];
  }
  const allowed = key.length <= 4 ? 1 : 2;
  return bestScore <= allowed ? best : undefined;
}

export function unknownKeyMessage(key: string, known: readonly string[]): string {
  const near = closest(key, known);
  if (near) return `unknown key (did you mean '${near}'?)`;
  const foreign = Object.hasOwn(FOREIGN, key) ? FOREIGN[key] : undefined;
  if (foreign && known.includes(foreign.key)) return `unknown key (${foreign.advice})`;
  return `unknown key (expected one of: ${known.join(', ')})`;
}

/**
 * A strict object whose unknown-keys error holds one line per key, in `issue.keys` order, so that the
 * issue mapper can report each key at its own path.
 */
export function strict<S extends z.core.$ZodLooseShape>(shape: S, expected: string) {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (iss) => (iss.code === 'unrecognized_keys' ? iss.keys.map((k) => unknownKeyMessage(k, known)).join('\n') : expected),
  });
}
