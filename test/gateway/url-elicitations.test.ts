// URL elicitations through the gateway (2025-11-25): an upstream that sends a caller to a page outside the protocol
// (elicitation/create in URL mode, or a -32042 error) later says the page is done (notifications/elicitation/complete);
// that word reaches the caller it was given to, on its own session, and nobody else. The upstream is a v1 SDK server.
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/core/index.js';
import { UrlElicitations } from '../../src/gateway/url-elicitations.js';
import { ROOT } from '../helpers/process.js';
import { type RunningGateway, startGateway, stdio, text, waitFor } from './helpers/harness.js';

const UPSTREAM = `${ROOT}test/gateway/helpers/url-elicit-upstream.mjs`;
const COMPLETE = 'notifications/elicitation/complete';

describe('an upstream URL elicitation and its completion', () => {
  let gw: RunningGateway;
  beforeAll(async () => {
    gw = await startGateway([stdio('u', process.execPath, [UPSTREAM])]);
  }, 60_000);
  afterAll(async () => {
    await gw?.close();
  }, 30_000);

  /** A 2025-era caller; `url` declares URL elicitation. Records what it is asked and which completions it hears. */
  async function caller(url: boolean) {
    const asked: Array<Record<string, unknown>> = [];
    const completed: string[] = [];
    const client: Client = await gw.connect('legacy', {
      options: { capabilities: { elicitation: url ? { form: {}, url: {} } : { form: {} } } },
      setup: (c) => {
        c.setRequestHandler('elicitation/create', async (req) => {
          asked.push(req.params as Record<string, unknown>);
          return { action: 'accept' };
        });
        c.setNotificationHandler(COMPLETE, async (n) => {
          completed.push(String((n.params as { elicitationId: string }).elicitationId));
        });
      },
    });
    return { client, asked, completed };
  }

  it('reaches the caller it was given to, whether asked for (elicitation/create) or refused with (-32042)', async () => {
    const alice = await caller(true);
    const bob = await caller(true);

    // Asked: the checkout page is relayed to alice as it was sent; she accepts (she opened it).
    expect(text(await alice.client.callTool({ name: 'u__pay', arguments: {} }))).toBe('checkout: accept');
    expect(alice.asked).toEqual([{ mode: 'url', elicitationId: 'pay-1', url: 'https://pay.example/checkout/1', message: 'Pay for order 1' }]);
    // The page reports back (here through another call, as a web hook would): alice hears it.
    expect(text(await bob.client.callTool({ name: 'u__finish', arguments: { id: 'pay-1' } }))).toBe('finished pay-1');
    await waitFor('alice to hear pay-1 is done', () => (alice.completed.includes('pay-1') ? true : undefined));

    // Refused: the -32042 reaches alice with the upstream's elicitation; its completion reaches her too.
    const refused = await alice.client.callTool({ name: 'u__login', arguments: {} }).then(
      () => undefined,
      (e: { code: number; data?: { elicitations?: Array<Record<string, unknown>> } }) => e,
    );
    expect(refused?.code).toBe(ErrorCode.UrlElicitationRequired);
    expect(refused?.data?.elicitations).toEqual([{ mode: 'url', elicitationId: 'login-1', url: 'https://idp.example/login', message: 'Log in to the example service' }]);
    await alice.client.callTool({ name: 'u__finish', arguments: { id: 'login-1' } });
    await waitFor('alice to hear login-1 is done', () => (alice.completed.includes('login-1') ? true : undefined));
    expect(alice.completed).toEqual(['pay-1', 'login-1']);

    // Bob was given neither: he heard nothing, though he made the upstream send one of them.
    await bob.client.ping();
    expect(bob.completed).toEqual([]);
  });

  it('is told once: the same completion sent again reaches nobody', async () => {
    const carol = await caller(true);
    await carol.client.callTool({ name: 'u__login', arguments: {} }).catch(() => {});
    await carol.client.callTool({ name: 'u__finish', arguments: { id: 'login-1' } });
    await waitFor('carol to hear login-1 is done', () => (carol.completed.length > 0 ? true : undefined));
    await carol.client.callTool({ name: 'u__finish', arguments: { id: 'login-1' } });
    // A later completion she was given arrives after it; the repeated one never does.
    await carol.client.callTool({ name: 'u__pay', arguments: {} });
    await carol.client.callTool({ name: 'u__finish', arguments: { id: 'pay-1' } });
    await waitFor('carol to hear pay-1 is done', () => (carol.completed.includes('pay-1') ? true : undefined));
    expect(carol.completed).toEqual(['login-1', 'pay-1']);
  });

  it('a caller that did not declare URL elicitation still gets the -32042, and the gateway serves on', async () => {
    const dave = await caller(false);
    const refused = await dave.client.callTool({ name: 'u__login', arguments: {} }).then(
      () => undefined,
      (e: { code: number }) => e,
    );
    expect(refused?.code).toBe(ErrorCode.UrlElicitationRequired);
    expect(text(await dave.client.callTool({ name: 'u__finish', arguments: { id: 'login-1' } }))).toBe('finished login-1');
    // Asking for a URL it cannot open is refused before it reaches the caller.
    const pay = await dave.client.callTool({ name: 'u__pay', arguments: {} }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(pay?.message).toContain('the calling client did not declare the elicitation capability (url mode)');
    expect(dave.asked).toEqual([]);
    expect(dave.completed).toEqual([]);
    expect(text(await dave.client.callTool({ name: 'u__finish', arguments: { id: 'x' } }))).toBe('finished x');
  });

  it('a 2026-era caller gets the -32042 as the upstream sent it', async () => {
    const client = await gw.connect('modern', { options: { capabilities: { elicitation: { form: {}, url: {} } } } });
    const refused = await client.callTool({ name: 'u__login', arguments: {} }).then(
      () => undefined,
      (e: { code: number; data?: { elicitations?: unknown[] } }) => e,
    );
    expect(refused?.code).toBe(ErrorCode.UrlElicitationRequired);
    expect(refused?.data?.elicitations).toHaveLength(1);
  });
});

describe('UrlElicitations', () => {
  const notifier = (heard: string[], who: string) => async (id: string) => {
    heard.push(`${who}:${id}`);
  };

  it('completes an elicitation only for the upstream that gave it, each connection once', () => {
    const heard: string[] = [];
    const given = new UrlElicitations();
    const a = notifier(heard, 'a');
    given.asked('up', { mode: 'url', elicitationId: 'e1', url: 'https://x', message: 'm' }, a);
    given.failed('up', { code: ErrorCode.UrlElicitationRequired, data: { elicitations: [{ mode: 'url', elicitationId: 'e1' }, { mode: 'url', elicitationId: 'e2' }] } }, notifier(heard, 'b'));
    // Not URL mode, not a -32042, no way to tell the caller: nothing recorded.
    given.asked('up', { mode: 'form', elicitationId: 'e3' }, a);
    given.failed('up', { code: ErrorCode.InternalError, data: { elicitations: [{ mode: 'url', elicitationId: 'e4' }] } }, a);
    given.failed('up', { code: ErrorCode.UrlElicitationRequired, data: { elicitations: [{ mode: 'url', elicitationId: 'e5' }] } }, undefined);

    expect(given.complete('other', 'e1')).toBe(0);
    expect(given.complete('up', 'e1')).toBe(2);
    expect(given.complete('up', 'e1')).toBe(0);
    expect(given.complete('up', 'e2')).toBe(1);
    for (const id of ['e3', 'e4', 'e5']) expect(given.complete('up', id)).toBe(0);
    expect(heard.sort()).toEqual(['a:e1', 'b:e1', 'b:e2']);
  });

  it('a connection that cannot hear it (closed, not declared) does not stop the others', async () => {
    const heard: string[] = [];
    const given = new UrlElicitations();
    given.asked('up', { mode: 'url', elicitationId: 'e1' }, async () => {
      throw new Error('closed');
    });
    given.asked('up', { mode: 'url', elicitationId: 'e1' }, notifier(heard, 'b'));
    expect(given.complete('up', 'e1')).toBe(2);
    await Promise.resolve();
    expect(heard).toEqual(['b:e1']);
  });
});
