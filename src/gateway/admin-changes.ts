// Admin changes every replica makes (`cluster:`): switching degradation (POST /admin/mode), invalidating the cache,
// approving pinned definitions, forgetting the gateway's OAuth grant. Behind a load balancer an administrator's
// request reaches one replica; that one makes the change, answers, and tells the others, which make it too from
// the same body (a change that fails there is logged; the answer was the first replica's). Audited once, where it
// was asked for. Without `cluster:` a change is made here alone.
import { randomUUID } from 'node:crypto';
import type { Broadcast, Logger } from '../core/index.js';
import { type HttpRoute, readJsonBody, sendJson } from '../server/index.js';

/** What a change answers: its HTTP status (300 and above: nothing was changed) and JSON body. */
export interface ChangeAnswer {
  status: number;
  body: unknown;
}

/** An admin change: its POST route's path, and how it is made from the request's JSON body alone. */
export interface AdminChange {
  path: string;
  apply(body: unknown): ChangeAnswer | Promise<ChangeAnswer>;
  /** The largest body read, in bytes; default 64 KiB. */
  maxBytes?: number;
}

/** The channel replicas tell each other of admin changes on. */
const CHANNEL = 'admin-change';

export class AdminChanges {
  readonly #changes = new Map<string, AdminChange>();
  readonly #self = randomUUID();
  #shared: Broadcast | undefined;

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
        if (answer.status < 300) this.#tell(change.path, read.value);
      },
    };
  }

  /** Makes the changes other replicas announce, and announces this one's; resolves to what stops it. */
  share(broadcast: Broadcast): Promise<() => Promise<void>> {
    this.#shared = broadcast;
    return broadcast.subscribe(CHANNEL, (message) => void this.#heard(message));
  }

  #tell(path: string, body: unknown): void {
    this.#shared?.publish(CHANNEL, JSON.stringify({ from: this.#self, path, body })).catch((err: Error) => {
      this.log.warn({ path, problem: err.message }, 'an admin change was made on this replica only: the others could not be told (Redis); ask them again once it is back');
    });
  }

  async #heard(message: string): Promise<void> {
    let said: { from?: string; path?: string; body?: unknown };
    try {
      said = JSON.parse(message) as typeof said;
    } catch {
      return this.log.warn({ channel: CHANNEL }, 'an unreadable message from another replica was ignored');
    }
    if (said.from === this.#self) return;
    const change = this.#changes.get(String(said.path));
    if (!change) return this.log.warn({ path: said.path }, 'another replica made an admin change this one does not know; not made here');
    try {
      const answer = await change.apply(said.body);
      const outcome = answer.status < 300 ? 'made here too' : 'not made here';
      this.log.info({ path: change.path, status: answer.status, ...(answer.status >= 300 && { answer: answer.body }) }, `an admin change made on another replica was ${outcome}`);
    } catch (err) {
      this.log.error({ err, path: change.path }, 'an admin change made on another replica failed here');
    }
  }
}
