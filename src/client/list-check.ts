// What an upstream lists, item by item, against the protocol's types: an item that is none (a tool whose inputSchema is
// no object schema, a prompt without a name) is left out, so one bad definition does not make a client refuse the
// whole list the gateway serves (the official SDK clients refuse a list with one bad item whole).
import type { ListKind } from '../core/index.js';
import { type CheckedType, clipped, shortly, specProblem } from '../wire/spec-shape.js';

type Json = Record<string, unknown>;

const TYPE: Record<ListKind, CheckedType> = { tools: 'Tool', prompts: 'Prompt', resources: 'Resource', resourceTemplates: 'ResourceTemplate' };

/** An item left out of a listing: what names it, and what is wrong with it. */
export interface LeftOut {
  item: string;
  problem: string;
}

/** The items of one page of a `kind` listing (its `tools`, `prompts`, … member) that are one, and those left out. */
export function checkedItems(kind: ListKind, member: unknown): { items: Json[]; leftOut: LeftOut[] } {
  if (member === undefined) return { items: [], leftOut: [] };
  if (!Array.isArray(member)) return { items: [], leftOut: [{ item: `the ${kind} member`, problem: `expected an array, received ${shortly(member)}` }] };
  const items: Json[] = [];
  const leftOut: LeftOut[] = [];
  member.forEach((value: unknown, index) => {
    const problem = specProblem(TYPE[kind], value);
    if (problem === undefined) items.push(value as Json);
    else leftOut.push({ item: nameOf(value) ?? `#${index}`, problem });
  });
  return { items, leftOut };
}

function nameOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { name, uri, uriTemplate } = value as Json;
  const named = [name, uri, uriTemplate].find((v) => typeof v === 'string');
  return typeof named === 'string' ? clipped(named) : undefined;
}
