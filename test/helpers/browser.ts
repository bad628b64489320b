// A person's browser, as far as redirects, cookies and forms go: follows redirects itself (keeping every cookie it
// is given, sent back by path as a browser does; every server here is on 127.0.0.1, and cookies do not tell ports
// apart), and submits a page's form with the Origin (null under a no-referrer policy) and Sec-Fetch-Site a browser
// would send. `via` stands for a load balancer: a request to one of its origins goes to the replica it picks, while
// the browser sees the balancer's URLs.
export interface Page {
  status: number;
  url: string;
  text: string;
  /** The page's Referrer-Policy: under `no-referrer` a browser posts its forms with `Origin: null`. */
  referrerPolicy?: string;
}

export class Browser {
  readonly #jar = new Map<string, { value: string; path: string }>();

  constructor(
    cookies: Record<string, string> = {},
    private readonly via: Record<string, () => string> = {},
  ) {
    for (const [name, value] of Object.entries(cookies)) this.#jar.set(name, { value, path: '/' });
  }

  /** Opens `url` and follows where it leads, until a page or `stopAt` (a URL starting so is not opened). */
  async open(url: string, init: RequestInit = {}, stopAt?: string): Promise<Page> {
    let at = url;
    let request = init;
    for (let hops = 0; hops < 20; hops++) {
      const pick = this.via[new URL(at).origin];
      const real = pick ? new URL(new URL(at).pathname + new URL(at).search, pick()).href : at;
      const res = await fetch(real, { ...request, redirect: 'manual', headers: { ...(request.headers as Record<string, string>), cookie: this.#cookiesFor(at) } });
      for (const line of res.headers.getSetCookie()) this.#keep(line, at);
      const next = res.headers.get('location');
      if (res.status < 300 || res.status >= 400 || !next) {
        const referrerPolicy = res.headers.get('referrer-policy') ?? undefined;
        return { status: res.status, url: at, text: await res.text(), ...(referrerPolicy && { referrerPolicy }) };
      }
      await res.body?.cancel();
      at = new URL(next, at).href;
      if (stopAt && at.startsWith(stopAt)) return { status: res.status, url: at, text: '' };
      request = {};
    }
    throw new Error(`too many redirects from ${url}`);
  }

  /** Fills the page's (first) form with `fields` over its own inputs and sends it as the browser would. */
  submit(page: Page, fields: Record<string, string> = {}, stopAt?: string): Promise<Page> {
    const form = /<form([^>]*)>([\s\S]*?)<\/form>/.exec(page.text);
    if (!form) throw new Error(`no form on ${page.url}: ${page.text.slice(0, 300)}`);
    const attr = (tag: string, name: string) => new RegExp(`${name}="([^"]*)"`).exec(tag)?.[1];
    const action = new URL(unescapeHtml(attr(form[1]!, 'action') ?? page.url), page.url);
    const body = new URLSearchParams();
    for (const [, tag] of form[2]!.matchAll(/<input([^>]*)>/g)) {
      const name = attr(tag!, 'name');
      if (name) body.set(name, unescapeHtml(attr(tag!, 'value') ?? ''));
    }
    for (const [k, v] of Object.entries(fields)) body.set(k, v);
    const origin = new URL(page.url).origin;
    const sent = page.referrerPolicy === 'no-referrer' ? 'null' : origin;
    const headers = { 'content-type': 'application/x-www-form-urlencoded', origin: sent, 'sec-fetch-site': action.origin === origin ? 'same-origin' : 'cross-site' };
    return this.open(action.href, { method: 'POST', body: body.toString(), headers }, stopAt);
  }

  #keep(line: string, url: string): void {
    const [pair, ...attrs] = line.split(';');
    const at = pair!.indexOf('=');
    const name = pair!.slice(0, at).trim();
    const value = pair!.slice(at + 1).trim();
    const path = attrs.map((a) => a.trim()).find((a) => a.toLowerCase().startsWith('path='))?.slice(5) ?? new URL(url).pathname.replace(/\/[^/]*$/, '/');
    const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === '';
    if (expired) this.#jar.delete(name);
    else this.#jar.set(name, { value, path });
  }

  #cookiesFor(url: string): string {
    const path = new URL(url).pathname;
    return [...this.#jar]
      .filter(([, c]) => path === c.path || path.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`) || c.path === '/')
      .map(([name, c]) => `${name}=${c.value}`)
      .join('; ');
  }
}

/** HTML's escapes in an attribute value, undone (`&#38;` and the named ones a page may use). */
function unescapeHtml(s: string): string {
  return s.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n))).replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>');
}
