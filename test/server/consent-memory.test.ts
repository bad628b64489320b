// A person's remembered approval of an OAuth client (the proxy's consent cookie), as the browser is told it and sends
// it back: over https with the `__Host-` prefix and Secure (the form the MCP security best practices ask for; the
// other tests run on http loopback), bound to the client, its redirect URI and its scopes, and sealed.
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { ConsentMemory } from '../../src/server/http/consent-memory.js';
import { Sealer } from '../../src/server/http/sealed-values.js';

const sealer = new Sealer('a-consent-memory-key-0123456789abcdef');
/** A request from a browser holding `cookie` (the `name=value` part of a Set-Cookie). */
const from = (cookie: string) => ({ headers: { cookie } }) as unknown as IncomingMessage;
const approval = { cid: 'client-a', ru: 'https://app.example/cb', sc: 'notes:write' };

describe('remembered consent', () => {
  it('over https: __Host-, Secure, HttpOnly, SameSite=Lax, the whole site, for the days configured', async () => {
    const cookie = await new ConsentMemory(sealer, 7, true).remember(approval);
    expect(cookie).toMatch(/^__Host-mcplex-approved-[0-9a-f]{16}=[\w-]+\.\.[\w-]+\.[\w-]+\.[\w-]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=604800; Secure$/);
    const memory = new ConsentMemory(sealer, 7, true);
    const sent = cookie.split(';')[0]!;
    expect(await memory.approvedBefore(from(sent), approval)).toBe(true);
    // Another client, redirect URI or scope is another approval; so is a cookie sealed with another key.
    expect(await memory.approvedBefore(from(sent), { ...approval, cid: 'client-b' })).toBe(false);
    expect(await memory.approvedBefore(from(sent), { ...approval, sc: 'notes:write admin' })).toBe(false);
    expect(await new ConsentMemory(new Sealer('another-consent-memory-key-0123456789'), 7, true).approvedBefore(from(sent), approval)).toBe(false);
    // Over http (loopback) the prefix and Secure are not given (a browser would drop a __Host- cookie there).
    expect(await new ConsentMemory(sealer, 7, false).remember(approval)).toMatch(/^mcplex-approved-[0-9a-f]{16}=.*; SameSite=Lax; Max-Age=604800$/);
    expect(await new ConsentMemory(sealer, 7, false).approvedBefore(from(sent), approval)).toBe(false);
  });

  it('lists what a browser holds (the client by name, where it is sent back, until when) and withdraws one the same way it was set', async () => {
    const memory = new ConsentMemory(sealer, 7, true);
    const cookie = (await memory.remember({ ...approval, name: 'Desk App' })).split(';')[0]!;
    const name = cookie.slice(0, cookie.indexOf('='));
    const held = await memory.held(from(`${cookie}; other=1; mcplex-approved-0000000000000000=not-sealed`));
    expect(held).toEqual([{ cookie: name, name: 'Desk App', ru: 'https://app.example/cb', until: expect.any(Number) }]);
    expect(held[0]!.until! - Date.now()).toBeGreaterThan(6.9 * 86_400_000);
    expect(memory.withdrawal(name)).toBe(`${name}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0; Secure`);
    // Only an approval's cookie: a form naming another cookie clears nothing.
    expect(memory.withdrawal('session')).toBeUndefined();
  });
});
