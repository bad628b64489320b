// A person's approval of an OAuth client, remembered in their browser (the MCP security best practices' consent
// cookie): bound to the client, where it is sent back and the scopes it asked for, sealed, HttpOnly, SameSite=Lax,
// and `__Host-` with Secure over https; one cookie per client, so approving one does not forget another. The person
// sees what their browser remembers, and withdraws an approval, on the proxy's approvals page.
import type { IncomingMessage } from 'node:http';
import { sha256 } from '../../core/index.js';
import { cookiesOf } from './html-page.js';
import type { Sealer } from './sealed-values.js';

/** How long an approval is remembered, unless configured otherwise. */
export const REMEMBER_CONSENT_DAYS = 30;

/** What was approved: the client id, the redirect URI, and the scopes asked for besides the proxy's own. */
export interface Approval {
  cid: string;
  ru: string;
  sc?: string;
  /** The client's name, as the consent page named it. */
  name?: string;
}

/** An approval a browser holds, as its person sees it: the cookie it is in, which client, sent back where, until when. */
export interface HeldApproval {
  cookie: string;
  name?: string;
  ru?: string;
  until?: number;
}

/** The name every approval cookie has (with its `__Host-` prefix over https). */
const COOKIE = /^(?:__Host-)?mcplex-approved-[0-9a-f]{16}$/;

const digestOf = (a: Approval) => sha256(`${a.cid}\n${a.ru}\n${a.sc ?? ''}`, 'base64url');

export class ConsentMemory {
  constructor(
    private readonly sealer: Sealer,
    private readonly days: number,
    private readonly https: boolean,
  ) {}

  /** The cookie that remembers `approval` in the browser it is sent to. */
  async remember(approval: Approval): Promise<string> {
    const seconds = this.days * 86_400;
    const value = await this.sealer.seal('approved', { h: digestOf(approval), ru: approval.ru, ...(approval.name && { n: approval.name }) }, seconds);
    return `${this.#name(approval)}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${seconds}${this.https ? '; Secure' : ''}`;
  }

  /** The approvals the browser that sent `req` holds (those this proxy's key opens). */
  async held(req: IncomingMessage): Promise<HeldApproval[]> {
    const held: HeldApproval[] = [];
    for (const [cookie, value] of cookiesOf(req)) {
      if (!COOKIE.test(cookie)) continue;
      const opened = await this.sealer.open<{ n?: string; ru?: string; exp?: number }>('approved', value);
      if (opened) held.push({ cookie, ...(opened.n && { name: opened.n }), ...(opened.ru && { ru: opened.ru }), ...(opened.exp && { until: opened.exp * 1000 }) });
    }
    return held;
  }

  /** The cookie that withdraws the approval in `cookie` (an approval cookie's name; undefined for any other). */
  withdrawal(cookie: string): string | undefined {
    return COOKIE.test(cookie) ? `${cookie}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0${this.https ? '; Secure' : ''}` : undefined;
  }

  /** Whether the browser that sent `req` holds the person's approval of `approval`. */
  async approvedBefore(req: IncomingMessage, approval: Approval): Promise<boolean> {
    const held = cookiesOf(req).get(this.#name(approval));
    return (await this.sealer.open<{ h: string }>('approved', held))?.h === digestOf(approval);
  }

  #name(a: Approval): string {
    return `${this.https ? '__Host-' : ''}mcplex-approved-${sha256(`${a.cid}\n${a.ru}`).slice(0, 16)}`;
  }
}
