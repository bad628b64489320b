// Admin changes every replica makes (`cluster:`): switching degradation (POST /admin/mode), invalidating the cache,
// approving pinned definitions, forgetting the gateway's OAuth grant. Behind a load balancer an administrator's
// request reaches one replica; that one makes the change, answers, and tells the others, which make it too from
// the same body (a change that fails there is logged; the answer was the first replica's). Audited once, where it
// was asked for. What a standing change leaves (the degradation switches, until a reload) is also kept in Redis, so a
// replica that starts later (a rolling restart, one more replica) takes it up before it serves; so is the latest
// reload, and a log of the latest changes each making of which counts (pin approvals): a replica cut off from Redis
// when they were made makes them once it hears the others again. Without `cluster:` a change is made here
// alone.
import { randomUUID } from 'node:crypto';
import type { Broadcast, Logger } from '../core/index.js';
import { type HttpRoute, readJsonBody, sendJson } from '../server/index.js';

/** What a change answers: its HTTP status (300 and above: nothing was changed) and JSON body. */
export interface ChangeAnswer {
  status: number;
  body: unknown;
  /** Nothing was changed although it succeeded (the body only read): the other replicas are not told. */
  readOnly?: boolean;
  /** The body the other replicas make it from, when it should be narrower than the one asked (what was made here). */
  told?: unknown;
}

/** An admin change: its POST route's path, and how it is made from the request's JSON body alone. */
export interface AdminChange {
  path: string;
  apply(body: unknown): ChangeAnswer | Promise<ChangeAnswer>;
  /** The largest body read, in bytes; default 64 KiB. */
  maxBytes?: number;
  /** A change that stands until a reload: what stands now, as JSON, and taking up what another replica left. */
  standing?: { now(): unknown; takeUp(left: unknown): void };
  /** A change after which nothing stands (a reload puts the file's settings back). */
  endsStanding?: boolean;
  /**
   * This replica hears the others again after being cut off, and may have missed changes of this kind that stand
   * nowhere (a cache invalidated): whatever they could have left stale here is made fresh (before standing changes
   * are taken up).
   */
  missed?(): void | Promise<void>;
  /**
   * Its latest making covers every one before it (a reload reads the file again): a replica cut off when it was made
   * makes it, from the same body, once it hears the others again.
   */
  replayLatest?: boolean;
  /**
   * Each making counts on its own (approving pinned definitions): it is kept in the admin log, and a replica cut off
   * when it was made makes it, from the body told (`ChangeAnswer.told`), once it hears the others again.
   */
  logged?: boolean;
}

/** The channel replicas tell each other of admin changes on. */
const CHANNEL = 'admin-change';
/** The channel that retains what a standing change left. */
const standingChannel = (path: string) => `admin-standing:${path}`;
/** The channel that retains the latest making of a change made again after a cut (`replayLatest`). */
const latestChannel = (path: string) => `admin-latest:${path}`;

/** The log of `logged` changes, and how many it keeps (a replica cut off longer than that many changes misses the rest). */
const LOG = 'admin-log';
const LOG_KEEP = 200;

/** The latest making of a `replayLatest` change, as retained. */
interface Latest {
  id: string;
  body: unknown;
}

/** A making of a `logged` change, as the log keeps it. */
interface Logged extends Latest {
  from: string;
  path: string;
}

export class AdminChanges {
  readonly #changes = new Map<string, AdminChange>();
  readonly #self = randomUUID();
  #shared: Broadcast | undefined;
  /** The latest making this replica knows of, per `replayLatest` change (made here, heard, or found retained). */
  readonly #latest = new Map<string, string>();
  /** The `logged` makings this replica knows of (made here, heard, or in the log when it started), oldest first. */
  readonly #known = new Set<string>();

  constructor(private readonly log: Logger) {}

  /** The change's admin route (POST); once it changed something, the other replicas are told to make it too. */
  route(change: AdminChange): HttpRoute {
    this.#changes.set(change.path, change);
    return {
      method: 'POST',
      path: change.path,
      admin: true,
      handle: async (req, res) => {
        const read = await readJsonBody(req, change.maxBytes ?? 64 * 1024, 16);
        if (!read.ok) return sendJson(res, read.status, { error: read.message });
        const answer = await change.apply(read.value);
        sendJson(res, answer.status, answer.body);
        if (answer.status < 300 && !answer.readOnly && this.#shared) void this.#announce(this.#shared, change, answer.told ?? read.value);
      },
    };
  }

  /**
   * Makes the changes other replicas announce, and announces this one's. Resolves once it hears them and has taken
   * up what standing changes left (to what stops it); changes heard meanwhile are made after that. After being cut
   * off from the others, it takes up what stands again (the changes it missed that still stand).
   */
  async share(broadcast: Broadcast): Promise<() => Promise<void>> {
    this.#shared = broadcast;
    let early: string[] | undefined = [];
    const resumed = () => {
      this.log.info('hearing the other replicas again: taking up what admin changes left standing meanwhile');
      void this.#replay(broadcast)
        .then(() => this.#replayLog(broadcast))
        .then(() => this.#caughtUp())
        .then(() => this.#takeUp(broadcast));
    };
    const stop = await broadcast.subscribe(CHANNEL, (message) => (early ? early.push(message) : void this.#heard(message)), resumed);
    // What was made before this replica started is in its own config already: noted, not made again.
    for (const change of this.#replayed()) {
      const latest = await this.#retainedLatest(broadcast, change);
      if (latest) this.#latest.set(change.path, latest.id);
    }
    for (const made of await this.#log(broadcast)) this.#know(made.id);
    await this.#takeUp(broadcast);
    const heard = early;
    early = undefined;
    for (const message of heard) await this.#heard(message);
    return stop;
  }

  #replayed(): AdminChange[] {
    return [...this.#changes.values()].filter((c) => c.replayLatest);
  }

  async #retainedLatest(broadcast: Broadcast, change: AdminChange): Promise<Latest | undefined> {
    try {
      const kept = await broadcast.retained(latestChannel(change.path));
      return kept === undefined ? undefined : (JSON.parse(kept) as Latest);
    } catch (err) {
      this.log.warn({ path: change.path, problem: (err as Error).message }, 'the latest admin change of this kind could not be read (Redis)');
      return undefined;
    }
  }

  /** After a cut: each `replayLatest` change made meanwhile elsewhere is made here, from its latest body. */
  async #replay(broadcast: Broadcast): Promise<void> {
    for (const change of this.#replayed()) {
      const latest = await this.#retainedLatest(broadcast, change);
      if (!latest || latest.id === this.#latest.get(change.path)) continue;
      this.#latest.set(change.path, latest.id);
      await this.#make(change, latest.body, 'an admin change made on another replica while this one was cut off');
    }
  }

  /** The admin log, oldest first (empty when it cannot be read: logged). */
  async #log(broadcast: Broadcast): Promise<Logged[]> {
    try {
      return (await broadcast.logged(LOG)).flatMap((entry) => {
        try {
          return [JSON.parse(entry) as Logged];
        } catch {
          return [];
        }
      });
    } catch (err) {
      this.log.warn({ problem: (err as Error).message }, 'the admin log could not be read (Redis)');
      return [];
    }
  }

  /** After a cut: each `logged` change made meanwhile elsewhere is made here, in the order they were made. */
  async #replayLog(broadcast: Broadcast): Promise<void> {
    for (const made of await this.#log(broadcast)) {
      const change = this.#changes.get(made.path);
      if (this.#known.has(made.id) || made.from === this.#self || !change?.logged) continue;
      this.#know(made.id);
      await this.#make(change, made.body, 'an admin change made on another replica while this one was cut off');
    }
  }

  #know(id: string): void {
    this.#known.add(id);
    // Only ids the log can still hold matter.
    if (this.#known.size > 2 * LOG_KEEP) this.#known.delete(this.#known.values().next().value!);
  }

  /** After a cut: what changes missed meanwhile could have left stale is made fresh. */
  async #caughtUp(): Promise<void> {
    for (const change of this.#changes.values()) {
      try {
        await change.missed?.();
      } catch (err) {
        this.log.warn({ path: change.path, problem: (err as Error).message }, 'what admin changes missed while cut off could have left stale was not made fresh here');
      }
    }
  }

  async #takeUp(broadcast: Broadcast): Promise<void> {
    for (const change of this.#changes.values()) await this.#takeUpOne(broadcast, change);
  }

  async #takeUpOne(broadcast: Broadcast, change: AdminChange): Promise<void> {
    if (!change.standing) return;
    try {
      const left = await broadcast.retained(standingChannel(change.path));
      if (left !== undefined) change.standing.takeUp(JSON.parse(left));
    } catch (err) {
      this.log.warn({ path: change.path, problem: (err as Error).message }, 'what other replicas left standing could not be taken up here');
    }
  }

  /**
   * Keeps what stands now for replicas that come later, and the latest making of a `replayLatest` change for replicas
   * cut off now (before telling, so one that hears has it too), then tells.
   */
  async #announce(shared: Broadcast, change: AdminChange, body: unknown): Promise<void> {
    const standing = change.standing ? [change] : change.endsStanding ? [...this.#changes.values()].filter((c) => c.standing) : [];
    const id = randomUUID();
    try {
      for (const c of standing) await shared.retain(standingChannel(c.path), c === change ? JSON.stringify(c.standing!.now()) : undefined);
      if (change.replayLatest) {
        this.#latest.set(change.path, id);
        await shared.retain(latestChannel(change.path), JSON.stringify({ id, body } satisfies Latest));
      }
      if (change.logged) {
        this.#know(id);
        await shared.append(LOG, JSON.stringify({ id, from: this.#self, path: change.path, body } satisfies Logged), LOG_KEEP);
      }
    } catch (err) {
      this.log.warn({ path: change.path, problem: (err as Error).message }, 'what an admin change leaves for other replicas (what stands, the latest reload, the admin log) could not be kept in Redis; ask again once it is back');
    }
    await shared.publish(CHANNEL, JSON.stringify({ from: this.#self, id, path: change.path, body })).catch((err: Error) => {
      this.log.warn({ path: change.path, problem: err.message }, 'an admin change was made on this replica only: the others could not be told (Redis); ask them again once it is back');
    });
  }

  async #heard(message: string): Promise<void> {
    let said: { from?: string; id?: string; path?: string; body?: unknown };
    try {
      said = JSON.parse(message) as typeof said;
    } catch {
      return this.log.warn({ channel: CHANNEL }, 'an unreadable message from another replica was ignored');
    }
    const change = this.#changes.get(String(said.path));
    // Two standing changes made at the same moment on two replicas are heard in another order on each: every
    // replica ends with what was kept last (each change is kept before it is told), its own included.
    const settle = () => (change && this.#shared ? this.#takeUpOne(this.#shared, change) : undefined);
    if (said.from === this.#self) return settle();
    if (!change) return this.log.warn({ path: said.path }, 'another replica made an admin change this one does not know; not made here');
    if (change.replayLatest && typeof said.id === 'string') this.#latest.set(change.path, said.id);
    if (change.logged && typeof said.id === 'string') this.#know(said.id);
    await this.#make(change, said.body, 'an admin change made on another replica');
    await settle();
  }

  /** Makes `change` from another replica's `body`, and logs how it went (`what` names the change). */
  async #make(change: AdminChange, body: unknown, what: string): Promise<void> {
    try {
      const answer = await change.apply(body);
      const outcome = answer.status < 300 ? 'made here too' : 'not made here';
      this.log.info({ path: change.path, status: answer.status, ...(answer.status >= 300 && { answer: answer.body }) }, `${what} was ${outcome}`);
    } catch (err) {
      this.log.error({ err, path: change.path }, `${what} failed here`);
    }
  }
}
