// What each replica knows only of itself (the sessions it holds, the tasks it runs) listed through any of them
// (`cluster:`): the replica asked passes the admin request on to each other one alive (server/http/ask-replica.ts)
// and puts the answers together, each item naming the replica it came from; one that did not answer is named.
import type { IncomingMessage } from 'node:http';
import { askReplica } from '../server/index.js';

/** The replicas: this one, and the others alive that say where they are reached. */
export interface ReplicaPeers {
  self(): { id: string; advertise?: string };
  others(): Promise<Array<{ id: string; advertise: string }>>;
}

export interface Unreachable {
  replica: string;
  error: string;
}

/** Each replica's answer to `req` (this one's is `mine`), each holding a list under `field`; those that gave none. */
export async function everyReplica<T extends Record<string, unknown>>(
  req: IncomingMessage,
  mine: T,
  field: keyof T & string,
  peers: ReplicaPeers,
): Promise<{ answers: Array<{ replica: string; body: T }>; unreachable: Unreachable[] }> {
  const self = peers.self();
  const answers = [{ replica: self.id, body: mine }];
  let others: Array<{ id: string; advertise: string }>;
  try {
    others = await peers.others();
  } catch (err) {
    return { answers, unreachable: [{ replica: '(the replica directory)', error: (err as Error).message }] };
  }
  const unreachable: Unreachable[] = [];
  for (const { r, answer } of await Promise.all(others.map(async (r) => ({ r, answer: await askReplica(r.advertise, req, self.advertise ?? '') })))) {
    const body = answer.ok ? (answer.body as T | undefined) : undefined;
    if (body && Array.isArray(body[field])) answers.push({ replica: r.id, body });
    else unreachable.push({ replica: r.id, error: answer.ok ? `its answer holds no ${field}` : answer.error });
  }
  return { answers, unreachable };
}

/** The items of every answer under `field`, each naming its replica. */
export const tagged = <I>(answers: Array<{ replica: string; body: Record<string, unknown> }>, field: string): Array<I & { replica: string }> =>
  answers.flatMap((a) => (a.body[field] as I[]).map((item) => ({ ...item, replica: a.replica })));
