// Tool and prompt definitions pinned the first time the gateway sees them (trust on first use), in a JSON file an
// administrator can read, review and keep in version control. A definition that later differs (a server updated
// under the gateway, or one rewriting its tools while it runs: a "rug pull") is held: neither listed nor usable until
// approved (admin API), or, with `onChange: warn`, served and logged.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Json } from '../client/upstream.js';
import { canonicalJson } from '../core/canonical-json.js';
import { sha256 } from '../core/sha256.js';
import type { Logger } from '../core/index.js';
import type { PinningConfig } from './config/index.js';

/** What a model reads of a tool besides its name: a poisoned tool changes one of these. */
export const PINNED_FIELDS = ['title', 'description', 'inputSchema', 'outputSchema', 'annotations'] as const;
/** And of a prompt. */
export const PROMPT_FIELDS = ['title', 'description', 'arguments'] as const;

export type PinKind = 'tool' | 'prompt';
const FIELDS: Record<PinKind, readonly string[]> = { tool: PINNED_FIELDS, prompt: PROMPT_FIELDS };

export type PinnedDefinition = Partial<Record<string, unknown>>;

interface Pin {
  pinnedAt: string;
  definition: PinnedDefinition;
}

/**
 * The file: `{ version: 1, servers: { <server>: { <tool as the server names it>: { pinnedAt, definition } } },
 * prompts: { <server>: { <prompt>: … } } }` (`prompts` absent until a prompt is pinned).
 */
interface PinsFile {
  version: 1;
  servers: Record<string, Record<string, Pin>>;
  prompts?: Record<string, Record<string, Pin>>;
}

/** A tool or prompt whose definition differs from its pin. */
export interface ChangedTool {
  kind: PinKind;
  server: string;
  /** The name the server gives it (a tool's or a prompt's, as `kind` says). */
  tool: string;
  /** The fields that differ (of PINNED_FIELDS). */
  changed: string[];
  /** Held (not listed, not callable); false with `onChange: warn`. */
  held: boolean;
  /** Since when the gateway has seen this difference. */
  since: string;
  pinned: PinnedDefinition;
  current: PinnedDefinition;
}

/** A definition's digest (SHA-256 of its canonical JSON): which one an approval was for. */
export const definitionDigest = (definition: PinnedDefinition): string => sha256(canonicalJson(definition));

const keyOf = (kind: PinKind, server: string, name: string) => `${kind}\u0000${server}\u0000${name}`;
const dict = <V>(): Record<string, V> => Object.create(null) as Record<string, V>;

/** The pinned fields of a tool (or prompt), in canonical key order (the file reads the same however the server orders them). */
export function definitionOf(item: Json, kind: PinKind = 'tool'): PinnedDefinition {
  const out: PinnedDefinition = {};
  for (const field of FIELDS[kind]) if (item[field] !== undefined) out[field] = JSON.parse(canonicalJson(item[field]));
  return out;
}

function differing(kind: PinKind, a: PinnedDefinition, b: PinnedDefinition): string[] {
  return FIELDS[kind].filter((f) => canonicalJson(a[f] ?? null) !== canonicalJson(b[f] ?? null));
}

function load(path: string): PinsFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, servers: dict() };
    throw new Error(`pinning.file: cannot read ${path} (${(err as Error).message})`);
  }
  const bad = (why: string) =>
    new Error(`pinning.file: ${path} is not a pins file (${why}); fix it, or move it away to pin every tool again the next time the gateway sees it`);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw bad((err as Error).message);
  }
  const d = doc as Partial<PinsFile> | null;
  if (d === null || typeof d !== 'object' || d.version !== 1 || d.servers === null || typeof d.servers !== 'object') throw bad('expected { "version": 1, "servers": { … } }');
  const section = (key: 'servers' | 'prompts', what: string) => {
    const out = dict<Record<string, Pin>>();
    for (const [server, items] of Object.entries((d[key] ?? {}) as Record<string, unknown>)) {
      if (items === null || typeof items !== 'object') throw bad(`${key}.${server}: expected a mapping of ${what} name to pin`);
      out[server] = dict<Pin>();
      for (const [name, pin] of Object.entries(items as Record<string, Pin | null>)) {
        if (pin === null || typeof pin !== 'object' || typeof pin.definition !== 'object' || pin.definition === null) throw bad(`${key}.${server}.${name}: expected { "pinnedAt", "definition" }`);
        out[server]![name] = { pinnedAt: String(pin.pinnedAt ?? ''), definition: pin.definition };
      }
    }
    return out;
  };
  if (d.prompts !== undefined && (d.prompts === null || typeof d.prompts !== 'object')) throw bad('prompts: expected a mapping of server name to its prompts');
  const prompts = section('prompts', 'prompt');
  return { version: 1, servers: section('servers', 'tool'), ...(Object.keys(prompts).length > 0 && { prompts }) };
}

export class ToolPins {
  #config: PinningConfig;
  #file: PinsFile;
  #dirty = false;
  /** Differences seen in the current lists; rebuilt by each catalog merge. */
  #changed = new Map<string, ChangedTool>();
  #building: Map<string, ChangedTool> | undefined;
  /** The definition last logged as a difference, per tool, so a merge does not log the same one again. */
  readonly #logged = new Map<string, string>();

  /** Reads the file (missing: nothing pinned yet); throws an Error naming the file and the fix when it is not one. */
  constructor(
    config: PinningConfig,
    private readonly log: Logger,
  ) {
    this.#config = config;
    this.#file = load(config.file);
  }

  get config(): PinningConfig {
    return this.#config;
  }

  /**
   * Reads the file again for new settings (a reload: edits made to the file apply) and returns what switches to them;
   * throws, changing nothing, when it is not a pins file.
   */
  prepare(config: PinningConfig): () => void {
    const file = load(config.file);
    return () => {
      this.#config = config;
      this.#file = file;
      this.#dirty = false;
      this.#logged.clear();
    };
  }

  /** A catalog merge starts: what it admits replaces the differences seen so far. */
  begin(): void {
    this.#building = new Map();
  }

  /** The merge is done: keeps what it found and saves tools pinned for the first time. */
  end(): void {
    this.#changed = this.#building ?? this.#changed;
    this.#building = undefined;
    if (this.#dirty) this.#save();
  }

  /**
   * What holds a tool `server` lists, if anything: undefined when it may be listed and called (pinned now if seen for
   * the first time, or as pinned, or changed with `onChange: warn`, logged); the change when it is held.
   */
  holds(server: string, tool: Json): ChangedTool | undefined {
    return this.#holds('tool', server, tool);
  }

  /** The same for a prompt `server` lists. */
  holdsPrompt(server: string, prompt: Json): ChangedTool | undefined {
    return this.#holds('prompt', server, prompt);
  }

  #pins(kind: PinKind, server: string): Record<string, Pin> {
    if (kind === 'prompt') this.#file.prompts ??= dict();
    const section = kind === 'tool' ? this.#file.servers : this.#file.prompts!;
    section[server] ??= dict<Pin>();
    return section[server]!;
  }

  #holds(kind: PinKind, server: string, item: Json): ChangedTool | undefined {
    const name = String(item.name);
    const current = definitionOf(item, kind);
    const pins = this.#pins(kind, server);
    const pin = pins[name];
    if (!pin) {
      pins[name] = { pinnedAt: new Date().toISOString(), definition: current };
      this.#dirty = true;
      return undefined;
    }
    const changed = differing(kind, pin.definition, current);
    if (changed.length === 0) return undefined;
    const key = keyOf(kind, server, name);
    const held = this.#config.onChange === 'hold';
    const seen: ChangedTool = { kind, server, tool: name, changed, held, since: this.#changed.get(key)?.since ?? new Date().toISOString(), pinned: pin.definition, current };
    (this.#building ?? this.#changed).set(key, seen);
    const text = canonicalJson(current);
    if (this.#logged.get(key) !== text) {
      this.#logged.set(key, text);
      const what = { upstream: server, [kind]: name, changed, file: this.#config.file };
      if (held) this.log.warn(what, `${kind} definition changed since it was pinned; the ${kind} is held until an administrator approves it (POST /admin/pins/approve)`);
      else this.log.warn(what, `${kind} definition changed since it was pinned (pinning.onChange: warn, so it is served)`);
    }
    return held ? seen : undefined;
  }

  /** The tools and prompts whose definitions differ from their pins now. */
  changed(): ChangedTool[] {
    return [...this.#changed.values()];
  }

  /** How many definitions (tools and prompts) are pinned, per server. */
  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const section of [this.#file.servers, this.#file.prompts ?? {}]) {
      for (const [server, items] of Object.entries(section)) out[server] = (out[server] ?? 0) + Object.keys(items).length;
    }
    return out;
  }

  /**
   * Pins the current definitions of what changed (of `server`, or only its `tool` or `prompt`) and saves the file;
   * returns what was approved. The caller merges the catalog again, which lists them.
   */
  approve(server?: string, tool?: string, prompt?: string, definitions?: readonly string[]): ChangedTool[] {
    const named = (c: ChangedTool) => (tool === undefined || (c.kind === 'tool' && c.tool === tool)) && (prompt === undefined || (c.kind === 'prompt' && c.tool === prompt));
    // Only these definitions (their digests), when named: what was approved elsewhere, not whatever is held here now.
    const seen = (c: ChangedTool) => definitions === undefined || definitions.includes(definitionDigest(c.current));
    const approved = this.changed().filter((c) => (server === undefined || c.server === server) && named(c) && seen(c));
    for (const c of approved) {
      this.#pins(c.kind, c.server)[c.tool] = { pinnedAt: new Date().toISOString(), definition: c.current };
      this.#changed.delete(keyOf(c.kind, c.server, c.tool));
    }
    if (approved.length > 0) this.#save();
    return approved;
  }

  /** Written whole to a temporary file, then renamed over the old one: a crash leaves one or the other. */
  #save(): void {
    const path = this.#config.file;
    try {
      mkdirSync(dirname(path), { recursive: true });
      const temp = `${path}.${process.pid}.tmp`;
      writeFileSync(temp, `${JSON.stringify(this.#file, null, 2)}\n`, { mode: 0o644 });
      renameSync(temp, path);
      this.#dirty = false;
    } catch (err) {
      // Kept in memory and written with the next change; the gateway keeps serving.
      this.log.error({ err, file: path }, 'could not save the tool pins file');
    }
  }
}
