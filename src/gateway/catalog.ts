// The merged view of every upstream's tools, prompts, resources and templates: namespaced, filtered, renamed,
// in a deterministic order (config order, then each server's own order), with routes back to the owner.
import { UriTemplate } from '@modelcontextprotocol/server';
import picomatch from 'picomatch';
import { withoutTaskSupport } from '../client/legacy-task.js';
import type { Json, Upstream } from '../client/upstream.js';
import type { ChangeKind, Logger } from '../core/index.js';
import type { Item } from '../middleware/policy-target.js';
import type { ServerConfig, ToolOverride } from './config/index.js';
import { scanDefinition } from './hidden-text.js';
import { longNamesNote, tooLongForModels } from './tool-names.js';
import { overriddenTool } from './tool-overrides.js';
import type { ChangedTool, ToolPins } from './tool-pins.js';

export interface Route {
  readonly upstream: Upstream;
  /** The name the upstream knows. */
  readonly name: string;
  /** A tool's input schema as the gateway lists it (its SEP-2243 `x-mcp-header` parameters are checked on calls). */
  readonly inputSchema?: unknown;
  /** A tool's `tools.override` when it sets arguments (forward.ts applies them to each call). */
  readonly override?: ToolOverride;
}
/** What the catalog lists, each of which the hidden-text check may withhold. */
type ListedKind = 'tool' | 'prompt' | 'resource' | 'template';
const LOGGED_AS: Record<ListedKind, string> = { tool: 'tool', prompt: 'prompt', resource: 'uri', template: 'uriTemplate' };

interface Snapshot {
  tools: Json[];
  prompts: Json[];
  resources: Json[];
  resourceTemplates: Json[];
}
const EMPTY: Snapshot = { tools: [], prompts: [], resources: [], resourceTemplates: [] };

export class Catalog {
  tools: Json[] = [];
  prompts: Json[] = [];
  resources: Json[] = [];
  resourceTemplates: Json[] = [];
  readonly #toolRoutes = new Map<string, Route>();
  readonly #promptRoutes = new Map<string, Route>();
  readonly #resourceOwners = new Map<string, Upstream>();
  #templateOwners: { template: UriTemplate; uriTemplate: string; upstream: Upstream }[] = [];
  readonly #snapshots = new Map<string, Snapshot>();
  /** The last lists of servers that went down, so a call to one of their names can say "unavailable". */
  readonly #beforeDown = new Map<string, Snapshot>();
  /** Exposed names that two servers both claim (the later server's item is hidden). */
  collisions: string[] = [];
  /** Tools and prompts not served because their definitions hide text where it cannot be taken out (hidden-text.ts). */
  withheldItems: Array<{ upstream: string; kind: ListedKind; name: string; why: string }> = [];
  /** Why each withheld name is, by kind and the name it would be exposed as. */
  readonly #withheld = new Map<string, string>();
  /** Hidden text already logged, by server, name and what was found (once each). */
  readonly #hiddenLogged = new Set<string>();
  /** Exposed tool names already warned about as too long for the model APIs (tool-names.ts). */
  readonly #warnedLong = new Set<string>();
  /** Tool definitions pinned on first sight, changed ones held (`pinning:`); set by the gateway, absent when off. */
  pins: ToolPins | undefined;
  /** Held tools and prompts by the name they would be exposed as. */
  readonly #held = new Map<string, ChangedTool>();
  readonly #heldPrompts = new Map<string, ChangedTool>();
  /** Overrides already reported as naming no listed tool. */
  readonly #unmatched = new Set<string>();

  constructor(
    private entries: { upstream: Upstream; config: ServerConfig }[],
    private readonly separator: string,
    private readonly log: Logger,
  ) {}

  /** Replaces the set of servers (config reload); snapshots of servers that stay are kept. */
  setEntries(entries: { upstream: Upstream; config: ServerConfig }[]): Set<ChangeKind> {
    const names = new Set(entries.map((e) => e.config.name));
    for (const name of this.#snapshots.keys()) if (!names.has(name)) this.#snapshots.delete(name);
    for (const name of this.#beforeDown.keys()) if (!names.has(name)) this.#beforeDown.delete(name);
    this.entries = entries;
    return this.#merge();
  }

  /** Re-reads one upstream's lists (all of them when it just came up or went down); returns what changed. */
  async refresh(upstream: Upstream, kinds: readonly ChangeKind[] = ['tools', 'prompts', 'resources']): Promise<Set<ChangeKind>> {
    const previous = this.#snapshots.get(upstream.name) ?? EMPTY;
    let next: Snapshot = EMPTY;
    let listed = false;
    if (upstream.up) {
      // Each list on its own: one the server fails to give keeps its previous items, the others are taken.
      const failed: Array<keyof Snapshot> = [];
      const read = async <K extends keyof Snapshot>(k: K, kind: ChangeKind): Promise<Snapshot[K]> => {
        if (!kinds.includes(kind)) return previous[k];
        try {
          return (await upstream.list(k)) as Snapshot[K];
        } catch (err) {
          failed.push(k);
          this.log.warn({ err, upstream: upstream.name, list: k }, 'could not list upstream; keeping its previous list');
          return previous[k];
        }
      };
      const [tools, prompts, resources, resourceTemplates] = await Promise.all([
        read('tools', 'tools'),
        read('prompts', 'prompts'),
        read('resources', 'resources'),
        read('resourceTemplates', 'resources'),
      ]);
      next = { tools, prompts, resources, resourceTemplates };
      listed = !failed.includes('tools') && !failed.includes('prompts');
    }
    // Its former names keep saying "unavailable" until a fresh list is in (a restarted server is up before that).
    if (listed) this.#beforeDown.delete(upstream.name);
    else if (previous.tools.length + previous.prompts.length > 0) this.#beforeDown.set(upstream.name, previous);
    this.#snapshots.set(upstream.name, next);
    return this.#merge();
  }

  #exposed(config: ServerConfig, name: string): string {
    return config.namespace === false ? name : `${config.namespace}${this.separator}${name}`;
  }

  /** Maps a server's own tool names to the exposed ones: undefined for a name its config filters out. */
  #toolNamer(config: ServerConfig): (original: string) => string | undefined {
    const included = config.tools.include ? picomatch(config.tools.include) : () => true;
    const excluded = config.tools.exclude ? picomatch(config.tools.exclude) : () => false;
    return (original) => (included(original) && !excluded(original) ? this.#exposed(config, config.tools.rename[original] ?? original) : undefined);
  }

  #merge(): Set<ChangeKind> {
    const before = { tools: JSON.stringify(this.tools), prompts: JSON.stringify(this.prompts), resources: JSON.stringify([this.resources, this.resourceTemplates]) };
    this.tools = [];
    this.prompts = [];
    this.resources = [];
    this.resourceTemplates = [];
    this.#toolRoutes.clear();
    this.#promptRoutes.clear();
    this.#resourceOwners.clear();
    this.#templateOwners = [];
    this.collisions = [];
    this.withheldItems = [];
    this.#withheld.clear();
    this.#held.clear();
    this.#heldPrompts.clear();
    const pins = this.pins;
    pins?.begin();
    for (const { upstream, config } of this.entries) {
      const snap = this.#snapshots.get(config.name);
      if (!snap) continue;
      const exposedTool = this.#toolNamer(config);
      const longNames: string[] = [];
      for (const tool of snap.tools) {
        const original = String(tool.name);
        const name = exposedTool(original);
        if (name === undefined) continue;
        const held = pins && config.tools.pin !== false ? pins.holds(config.name, tool) : undefined;
        if (held) {
          this.#held.set(name, held);
          continue;
        }
        const override = config.tools.override?.[original];
        // A 2025-era server's task-only tool is called as any other: the gateway awaits its task (legacy-task.ts).
        const callable = upstream.client?.getProtocolEra() === 'modern' ? tool : withoutTaskSupport(tool);
        const exposed = this.#visible(config, 'tool', name, { ...(override ? overriddenTool(callable, override) : callable), name });
        if (!exposed) continue;
        const route = { upstream, name: original, inputSchema: (exposed as Json).inputSchema, ...(override?.arguments && { override }) };
        if (this.#claim(this.#toolRoutes, name, route, this.#held)) this.tools.push(exposed);
        if (tooLongForModels(name) && !this.#warnedLong.has(name)) longNames.push(name);
      }
      if (longNames.length > 0) {
        for (const name of longNames) this.#warnedLong.add(name);
        this.log.warn({ upstream: config.name, names: longNames }, longNamesNote(config.name, longNames));
      }
      this.#checkOverrides(config, snap.tools);
      for (const prompt of snap.prompts) {
        const name = this.#exposed(config, String(prompt.name));
        const held = pins && config.tools.pin !== false ? pins.holdsPrompt(config.name, prompt) : undefined;
        if (held) {
          this.#heldPrompts.set(name, held);
          continue;
        }
        const shown = this.#visible(config, 'prompt', name, { ...prompt, name });
        if (shown && this.#claim(this.#promptRoutes, name, { upstream, name: String(prompt.name) }, this.#heldPrompts)) this.prompts.push(shown);
      }
      for (const resource of snap.resources) {
        const uri = String(resource.uri);
        const shown = this.#visible(config, 'resource', uri, resource);
        if (shown && this.#claim(this.#resourceOwners, uri, upstream)) this.resources.push(shown);
      }
      for (const tpl of snap.resourceTemplates) {
        const uriTemplate = String(tpl.uriTemplate);
        const shown = this.#visible(config, 'template', uriTemplate, tpl);
        if (!shown) continue;
        try {
          this.#templateOwners.push({ template: new UriTemplate(uriTemplate), uriTemplate, upstream });
          this.resourceTemplates.push(shown);
        } catch (err) {
          this.log.warn({ err, upstream: upstream.name, uriTemplate }, 'ignoring an invalid resource template');
        }
      }
    }
    pins?.end();
    const changed = new Set<ChangeKind>();
    if (before.tools !== JSON.stringify(this.tools)) changed.add('tools');
    if (before.prompts !== JSON.stringify(this.prompts)) changed.add('prompts');
    if (before.resources !== JSON.stringify([this.resources, this.resourceTemplates])) changed.add('resources');
    return changed;
  }

  /**
   * The definition as callers get it under the server's `tools.hiddenText`: hidden characters taken out of its
   * descriptions and titles (strip, the default), or undefined when it is withheld (hidden characters where they
   * cannot be taken out, or anywhere with `withhold`). Logged once per server, name and finding.
   */
  #visible(config: ServerConfig, kind: ListedKind, name: string, definition: Json): Json | undefined {
    const policy = config.tools.hiddenText ?? 'strip';
    if (policy === 'allow') return definition;
    const scan = scanDefinition(definition);
    if (scan.stripped === 0 && scan.inContract.length === 0) return definition;
    const withhold = policy === 'withhold' || scan.inContract.length > 0;
    const key = `${config.name}\u0000${kind}\u0000${name}\u0000${scan.stripped}\u0000${scan.inContract.join()}\u0000${scan.spelled}`;
    if (!this.#hiddenLogged.has(key)) {
      this.#hiddenLogged.add(key);
      const found = { upstream: config.name, [LOGGED_AS[kind]]: name, ...(scan.stripped > 0 && { hiddenCharacters: scan.stripped }), ...(scan.inContract.length > 0 && { where: scan.inContract }), ...(scan.spelled && { spelled: scan.spelled.slice(0, 500) }) };
      const what = kind === 'template' ? 'resource template' : kind;
      if (withhold) this.log.error(found, `${what} withheld: its definition hides text from people reading it (servers.${config.name}.tools.hiddenText)`);
      else this.log.warn(found, `hidden characters taken out of a ${what}'s description (servers.${config.name}.tools.hiddenText)`);
    }
    if (!withhold) return scan.definition;
    const why = scan.inContract.length > 0 ? `invisible characters in ${scan.inContract.join(', ')}` : 'invisible characters in its description';
    this.withheldItems.push({ upstream: config.name, kind, name, why });
    this.#withheld.set(`${kind}\u0000${name}`, why);
    return undefined;
  }

  /** Each withheld tool, prompt, resource and template, as `/readyz` lists them: `<name>: <why>`. */
  get withheld(): string[] {
    return this.withheldItems.map((w) => `${w.name}: ${w.why}`);
  }

  /** Why a tool or prompt exposed as `name`, or a resource listed as `name` (its URI), is withheld (hidden text in its definition), if it is. */
  withheldReason(kind: 'tool' | 'prompt' | 'resource', name: string): string | undefined {
    return this.#withheld.get(`${kind}\u0000${name}`);
  }

  /** Overrides naming a tool the server does not list: a typo, or a tool it no longer has (logged once each). */
  #checkOverrides(config: ServerConfig, tools: Json[]): void {
    const o = config.tools.override;
    if (!o || tools.length === 0) return;
    const listed = new Set(tools.map((t) => String(t.name)));
    for (const tool of Object.keys(o)) {
      const key = `${config.name}\u0000${tool}`;
      if (listed.has(tool) || this.#unmatched.has(key)) continue;
      this.#unmatched.add(key);
      this.log.warn({ upstream: config.name, tool }, "tools.override names a tool this server does not list (overrides use the server's own tool names)");
    }
  }

  /** Takes `key` for `value`, unless another server has it, or holds it (a held item keeps its name meanwhile). */
  #claim<V>(map: Map<string, V>, key: string, value: V, held?: ReadonlyMap<string, unknown>): boolean {
    if (map.has(key) || held?.has(key)) {
      this.collisions.push(key);
      this.log.error({ name: key }, 'two servers expose the same name; the later one is hidden (set a namespace or rename)');
      return false;
    }
    map.set(key, value);
    return true;
  }

  /** The server, down or not yet listed again, that exposed this tool or prompt name before it went down (namespaced or not). */
  formerOwner(kind: 'tools' | 'prompts', name: string): Upstream | undefined {
    for (const { upstream, config } of this.entries) {
      const snap = this.#beforeDown.get(config.name);
      if (!snap) continue;
      const exposed = kind === 'tools' ? this.#toolNamer(config) : (original: string) => this.#exposed(config, original);
      if (snap[kind].some((item) => exposed(String(item.name)) === name)) return upstream;
    }
    return undefined;
  }

  /** What `server` exposes now, by kind, as policy items (tool and prompt names as exposed, URIs, templates). */
  itemsOf(server: string): Record<ChangeKind, Item[]> {
    const owned = <V>(map: Map<string, V>, owner: (v: V) => Upstream) => [...map].filter(([, v]) => owner(v).name === server).map(([name]) => name);
    const item = (kind: Item['kind']) => (name: string): Item => ({ kind, name, owner: server });
    return {
      tools: owned(this.#toolRoutes, (r) => r.upstream).map(item('tool')),
      prompts: owned(this.#promptRoutes, (r) => r.upstream).map(item('prompt')),
      resources: [...owned(this.#resourceOwners, (u) => u), ...this.#templateOwners.filter((t) => t.upstream.name === server).map((t) => t.uriTemplate)].map(item('resource')),
    };
  }

  /** The held tool exposed as `name` (its definition changed since it was pinned), if one is. */
  heldTool(name: string): ChangedTool | undefined {
    return this.#held.get(name);
  }

  /** The held prompt exposed as `name`, if one is. */
  heldPrompt(name: string): ChangedTool | undefined {
    return this.#heldPrompts.get(name);
  }

  tool(name: string): Route | undefined {
    return this.#toolRoutes.get(name);
  }
  prompt(name: string): Route | undefined {
    return this.#promptRoutes.get(name);
  }
  /**
   * The upstream that listed `uri`, else the first whose template matches it, unless a listing of `uri` was withheld
   * (a template must not serve what its definition could not). URIs are never rewritten.
   */
  resourceOwner(uri: string): Upstream | undefined {
    const listed = this.#resourceOwners.get(uri);
    if (listed || this.#withheld.has(`resource\u0000${uri}`)) return listed;
    return this.#templateOwners.find((t) => t.template.match(uri) !== null)?.upstream;
  }
  templateOwner(uriTemplate: string): Upstream | undefined {
    return this.#templateOwners.find((t) => t.uriTemplate === uriTemplate)?.upstream;
  }
}
