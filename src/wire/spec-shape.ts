// A value checked against one of the protocol's types (the SDK's public `specTypeSchemas`), what is wrong named field
// by field: what a server's own handlers return (a text block without its text, a role that is not one) before it is
// sent, and what an upstream lists (a tool whose inputSchema is no object schema) before the gateway passes it on;
// instead of a client that refuses the whole answer with a schema dump.
import { specTypeSchemas } from '@modelcontextprotocol/server';

export type CheckedType = 'CallToolResult' | 'ReadResourceResult' | 'GetPromptResult' | 'Tool' | 'Prompt' | 'Resource' | 'ResourceTemplate';

interface Issue {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | { key: PropertyKey }> | undefined;
  readonly code?: string;
  readonly values?: unknown[];
  readonly errors?: Issue[][];
}

/** Most problems named in one message. */
const MAX_NAMED = 3;

/** What is wrong with `value` as a `type`, one clause per field; undefined when it is one. */
export function specProblem(type: CheckedType, value: unknown): string | undefined {
  const checked = specTypeSchemas[type]['~standard'].validate(value);
  // These schemas check synchronously; a promise would mean the SDK changed them (then the SDK's own check stands).
  if (checked instanceof Promise || !checked.issues) return undefined;
  const clauses = checked.issues.flatMap((i) => describe(i as Issue, []));
  const named = clauses.slice(0, MAX_NAMED).join('; ');
  return clauses.length > MAX_NAMED ? `${named}; and ${clauses.length - MAX_NAMED} more` : named;
}

/** A value as a message shows it: its JSON, cut short. */
export function shortly(value: unknown): string {
  return value === undefined ? 'undefined' : clipped(JSON.stringify(value) ?? String(value));
}

/** Text a message quotes, at most 60 characters of it. */
export function clipped(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function describe(issue: Issue, base: PropertyKey[]): string[] {
  const path = [...base, ...(issue.path ?? []).map((p) => (typeof p === 'object' ? p.key : p))];
  if (issue.code === 'invalid_union' && issue.errors && issue.errors.length > 0) return describeUnion(issue.errors, path);
  const message = issue.message.replace(/^Invalid input: /, '');
  return [path.length === 0 ? message : `${where(path)}: ${message}`];
}

/**
 * A union (a content block, resource contents): when no member's `type` matched, the types there are; else the
 * closest member's problems (the one whose `type` matched, with the fewest).
 */
function describeUnion(members: Issue[][], path: PropertyKey[]): string[] {
  const typeIssue = (issues: Issue[]) => issues.find((i) => i.code === 'invalid_value' && i.path?.length === 1 && i.path[0] === 'type');
  const typed = members.filter((m) => !typeIssue(m));
  if (typed.length === 0 && members.every((m) => typeIssue(m))) {
    const types = members.flatMap((m) => typeIssue(m)?.values ?? []).map((v) => JSON.stringify(v));
    return [`${where([...path, 'type'])}: expected one of ${[...new Set(types)].join(', ')}`];
  }
  const candidates = typed.length > 0 ? typed : members;
  const fewest = Math.min(...candidates.map((m) => m.length));
  const closest = candidates.filter((m) => m.length === fewest);
  // Each member misses one field of its own (resource contents without `text` or `blob`): say so at once.
  const missing = closest.map((m) => (m.length === 1 && m[0]?.path?.length === 1 && /received undefined$/.test(m[0].message) ? String(m[0].path[0]) : undefined));
  if (closest.length > 1 && missing.every((f) => f !== undefined)) return [`${where(path)}: needs ${missing.join(' or ')}`];
  return (closest[0] ?? []).flatMap((i) => describe(i, path));
}

/** `content[0].text`. */
function where(path: PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}
