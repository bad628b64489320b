// An admin GET answered from every replica (`cluster:`): the replica asked passes the request on to each other one as
// it came (the administrator's credential checked there again), marked as passed on so that one answers for itself
// alone. What each knows only of itself (the sessions it holds) is then one answer.
import type { IncomingMessage } from 'node:http';
import { FORWARDED_HEADER, HOP_BY_HOP } from './session-forwarding.js';

/** True for a request another replica passed on: answered for this replica alone. */
export const passedOn = (req: IncomingMessage): boolean => req.headers[FORWARDED_HEADER] !== undefined;

/** `req` (a GET) asked of the replica at `origin`, as this one (`from`) passes it on: its JSON answer, or why none came. */
export async function askReplica(origin: string, req: IncomingMessage, from: string, timeoutMs = 3000): Promise<{ ok: true; body: unknown } | { ok: false; error: string }> {
  const headers = new Headers({ [FORWARDED_HEADER]: from });
  for (const [name, value] of Object.entries(req.headers)) {
    if (HOP_BY_HOP.has(name) || value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  try {
    const answer = await fetch(new URL(req.url ?? '/', origin), { headers, signal: AbortSignal.timeout(timeoutMs) });
    const body = (await answer.json().catch(() => undefined)) as { error?: unknown } | undefined;
    if (!answer.ok) return { ok: false, error: `HTTP ${answer.status}${typeof body?.error === 'string' ? `: ${body.error}` : ''}` };
    return { ok: true, body };
  } catch (err) {
    return { ok: false, error: (err as Error).name === 'TimeoutError' ? `no answer in ${timeoutMs} ms` : (err as Error).message };
  }
}
