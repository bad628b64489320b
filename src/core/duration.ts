// A span of time as people write it in config files and on the command line: 500ms, 90s, 15m, 2h, 7d.

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `text` as milliseconds; undefined unless it is a whole number with one of the units ms, s, m, h, d. */
export function durationMs(text: string): number | undefined {
  const m = /^\s*(\d+)\s*(ms|s|m|h|d)\s*$/.exec(text);
  return m ? Number(m[1]) * UNITS[m[2]!]! : undefined;
}
