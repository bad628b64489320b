// The short HTML pages the HTTP edge shows a person in a browser (an authorization's outcome, a consent or
// confirmation form), the cookies such a browser sends back, and whether it posted a form from the server's own page.
import type { IncomingMessage, ServerResponse } from 'node:http';

export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A short page for the person in the browser (`html`: more markup after the text, already escaped). */
export function page(res: ServerResponse, status: number, title: string, text: string, html = '', headers: Record<string, string | string[]> = {}): void {
  const body = `<!doctype html><meta charset="utf-8"><title>${escapeHtml(title)}</title><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p>${html}`;
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    // Not no-referrer: under it a browser sends `Origin: null` with the page's form, which the Origin check refuses.
    // The page loads nothing and links nowhere, so only its own form's POST carries a referrer.
    'referrer-policy': 'same-origin',
    'x-frame-options': 'DENY',
    'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
    ...headers,
  });
  res.end(body);
}

/** The cookies a request carries, by name. */
export function cookiesOf(req: IncomingMessage): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0) out.set(part.slice(0, at).trim(), part.slice(at + 1).trim());
  }
  return out;
}

/**
 * Whether a form post came from a page of `origin` (the server's own): a browser says where it was sent from
 * (`Sec-Fetch-Site`, `Origin`), so a page elsewhere cannot post what a person did not.
 */
export function postedFromOwnPage(req: IncomingMessage, origin: string): boolean {
  const site = req.headers['sec-fetch-site'];
  return (site === undefined || site === 'same-origin') && (req.headers.origin === undefined || req.headers.origin === origin);
}
