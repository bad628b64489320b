// The OAuth proxy's approvals page (`/oauth/approvals`): the clients a person's browser remembers they approved
// (consent-memory.ts), where each is sent back and until when, and a button that withdraws one: the next sign-in of
// that client shows the consent page again. Only this server's own page may post the withdrawal.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readCapped } from './body.js';
import type { ConsentMemory } from './consent-memory.js';
import { escapeHtml, page, postedFromOwnPage } from './html-page.js';
import { MAX_FORM_BYTES } from './oauth-proxy-parts.js';

export const APPROVALS_PATH = '/oauth/approvals';

/** GET: what this browser remembers. */
export async function approvalsPage(req: IncomingMessage, res: ServerResponse, memory: ConsentMemory | undefined): Promise<void> {
  if (!memory) return page(res, 200, 'Approved apps', 'This server does not remember approvals: every sign-in asks.');
  const held = await memory.held(req);
  if (held.length === 0) return page(res, 200, 'Approved apps', 'This browser remembers no app you approved here.');
  const items = held
    .map((a) => {
      const where = a.ru && URL.canParse(a.ru) ? new URL(a.ru).origin : (a.ru ?? 'where it registered');
      const until = a.until ? ` until ${new Date(a.until).toISOString().slice(0, 10)}` : '';
      return (
        `<li><b>${escapeHtml(a.name ?? 'An MCP client')}</b>, sent back to ${escapeHtml(where === 'null' ? (a.ru ?? '') : where)}${escapeHtml(until)} ` +
        `<form method="post" action="${APPROVALS_PATH}"><input type="hidden" name="cookie" value="${escapeHtml(a.cookie)}"><button type="submit">Forget</button></form></li>`
      );
    })
    .join('');
  page(res, 200, 'Approved apps', 'This browser remembers that you approved these apps: signing in with them goes straight on. Forget one to be asked again.', `<ul>${items}</ul>`);
}

/** POST: withdraws one approval (its cookie cleared), then back to the list. `told`: the person withdrew `name`'s. */
export async function withdrawApproval(req: IncomingMessage, res: ServerResponse, memory: ConsentMemory | undefined, issuer: string, told: (name: string) => void): Promise<void> {
  if (!postedFromOwnPage(req, issuer)) return page(res, 403, 'Refused', "This form can only be sent from this server's own page.");
  const body = await readCapped(req, MAX_FORM_BYTES);
  if (!body) return page(res, 413, 'Refused', `The form is larger than ${MAX_FORM_BYTES} bytes.`, '', { connection: 'close' });
  const cookie = new URLSearchParams(body.toString('utf8')).get('cookie') ?? '';
  const held = (await memory?.held(req))?.find((a) => a.cookie === cookie);
  const clear = memory?.withdrawal(cookie);
  if (!held || !clear) return page(res, 400, 'Not found', 'This browser does not remember that approval (it was forgotten, or ran out).');
  told(held.name ?? 'an unnamed client');
  res.writeHead(303, { location: APPROVALS_PATH, 'set-cookie': clear, 'cache-control': 'no-store' }).end();
}
