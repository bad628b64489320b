// Argument constraints of a capability: a string argument must match a glob, a number must lie within bounds,
// a value must be one of a list. Absent arguments pass unless `required`; the tool's own schema still applies.
import picomatch from 'picomatch';

export interface ArgumentRule {
  /** The (string) argument must match one of these globs, e.g. `/srv/data/**`. */
  glob?: string | readonly string[];
  min?: number;
  max?: number;
  /** The argument must equal one of these. */
  oneOf?: readonly (string | number | boolean)[];
  /** Refuse the call when the argument is absent (default: absent passes, and the tool's default applies). */
  required?: boolean;
}

function ruleCheck(name: string, rule: ArgumentRule): (value: unknown) => string | undefined {
  // dot: false: `**` never matches a `..` or hidden segment, so a path glob cannot be escaped with `../`.
  const globs = rule.glob === undefined ? undefined : picomatch(typeof rule.glob === 'string' ? [rule.glob] : [...rule.glob]);
  return (value) => {
    if (value === undefined) return rule.required ? `argument '${name}' is required by your access policy` : undefined;
    if (globs) {
      if (typeof value !== 'string' || !globs(value)) return `argument '${name}' must match ${JSON.stringify(rule.glob)}`;
    }
    if (rule.min !== undefined || rule.max !== undefined) {
      if (typeof value !== 'number' || Number.isNaN(value)) return `argument '${name}' must be a number`;
      if (rule.min !== undefined && value < rule.min) return `argument '${name}' must be at least ${rule.min}`;
      if (rule.max !== undefined && value > rule.max) return `argument '${name}' must be at most ${rule.max}`;
    }
    if (rule.oneOf && !rule.oneOf.includes(value as string)) return `argument '${name}' must be one of ${JSON.stringify(rule.oneOf)}`;
    return undefined;
  };
}

/** A checker over an arguments object: the first problem found, or undefined when every rule passes. */
export function compileArguments(rules: Record<string, ArgumentRule>): (args: Record<string, unknown>) => string | undefined {
  const checks = Object.entries(rules).map(([name, rule]) => [name, ruleCheck(name, rule)] as const);
  return (args) => {
    for (const [name, check] of checks) {
      const problem = check(Object.hasOwn(args, name) ? args[name] : undefined);
      if (problem) return problem;
    }
    return undefined;
  };
}
