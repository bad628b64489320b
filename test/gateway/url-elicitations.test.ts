// URL elicitations through the gateway (2025-11-25): an upstream that sends a caller to a page outside the protocol
// (elicitation/create in URL mode, or a -32042 error) later says the page is done (notifications/elicitation/complete);
// that word reaches the caller it was given to, on its own session, and nobody else. A 2026-era caller, whose
// revision has neither, gets the URL as an input_required round instead. The upstream is a v1 SDK server.
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/core/index.js';
import { UrlElicitations } from '../../src/gateway/url-elicitations.js';
import { ROOT } from '../helpers/process.js';
import { http, type RunningGateway, startGateway, stdio, text, type WireMessage, waitFor } from './helpers/harness.js';
import { startRawUpstream } from './helpers/raw-modern-upstream.js';

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
    const refused = await alice.client.callTool({ name: 'u__login', arguments: { who: 'alice' } }).then(
      () => undefined,
      (e: { code: number; data?: { elicitations?: Array<Record<string, unknown>> } }) => e,
    );
    expect(refused?.code).toBe(ErrorCode.UrlElicitationRequired);
    expect(refused?.data?.elicitations).toEqual([{ mode: 'url', elicitationId: 'login-alice', url: 'https://idp.example/login?who=alice', message: 'Log in to the example service' }]);
    await alice.client.callTool({ name: 'u__finish', arguments: { id: 'login-alice' } });
    await waitFor('alice to hear login-alice is done', () => (alice.completed.includes('login-alice') ? true : undefined));
    expect(alice.completed).toEqual(['pay-1', 'login-alice']);
    expect(text(await alice.client.callTool({ name: 'u__login', arguments: { who: 'alice' } }))).toBe('welcome alice');

    // Bob was given neither: he heard nothing, though he made the upstream send one of them.
    await bob.client.ping();
    expect(bob.completed).toEqual([]);
  });

  it('is told once: the same completion sent again reaches nobody', async () => {
    const carol = await caller(true);
    await carol.client.callTool({ name: 'u__login', arguments: { who: 'carol' } }).catch(() => {});
    await carol.client.callTool({ name: 'u__finish', arguments: { id: 'login-carol' } });
    await waitFor('carol to hear login-carol is done', () => (carol.completed.length > 0 ? true : undefined));
    await carol.client.callTool({ name: 'u__finish', arguments: { id: 'login-carol' } });
    // A later completion she was given arrives after it; the repeated one never does.
    await carol.client.callTool({ name: 'u__pay', arguments: {} });
    await carol.client.callTool({ name: 'u__finish', arguments: { id: 'pay-1' } });
    await waitFor('carol to hear pay-1 is done', () => (carol.completed.includes('pay-1') ? true : undefined));
    expect(carol.completed).toEqual(['login-carol', 'pay-1']);
  });

  it('a caller that did not declare URL elicitation still gets the -32042, and the gateway serves on', async () => {
    const dave = await caller(false);
    const refused = await dave.client.callTool({ name: 'u__login', arguments: { who: 'dave' } }).then(
      () => undefined,
      (e: { code: number }) => e,
    );
    expect(refused?.code).toBe(ErrorCode.UrlElicitationRequired);
    expect(text(await dave.client.callTool({ name: 'u__finish', arguments: { id: 'login-dave' } }))).toBe('finished login-dave');
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

  describe('a 2026-era caller (no -32042 on its wire: the URL is a round)', () => {
    /** A 2026-era caller answering each URL elicitation with `action`, after `onAsked` (the person opening the page). */
    async function modern(action: 'accept' | 'decline' | undefined, onAsked: (params: Record<string, unknown>) => void = () => {}) {
      const asked: Array<Record<string, unknown>> = [];
      const wire: WireMessage[] = [];
      const client = await gw.connect('modern', {
        wire,
        ...(action && { options: { capabilities: { elicitation: { url: {} } } } }),
        setup: (c) => {
          if (!action) return;
          c.setRequestHandler('elicitation/create', async (req) => {
            asked.push(req.params as Record<string, unknown>);
            onAsked(req.params as Record<string, unknown>);
            return { action };
          });
        },
      });
      return { client, asked, wire };
    }

    it('asks it to open the URL; accepted, the gateway waits for the page and calls again', async () => {
      const helper = await caller(true);
      // The person opens the page and logs in: the upstream hears back (here through another caller's call).
      const erin = await modern('accept', () => void helper.client.callTool({ name: 'u__finish', arguments: { id: 'login-erin' } }));
      expect(text(await erin.client.callTool({ name: 'u__login', arguments: { who: 'erin' } }))).toBe('welcome erin');
      // Asked in the 2026 shape: URL mode, without the 2025-era id, in an input_required round the gateway answered.
      expect(erin.asked).toEqual([{ mode: 'url', url: 'https://idp.example/login?who=erin', message: 'Log in to the example service' }]);
      const rounds = erin.wire.filter((m) => m.result?.resultType === 'input_required');
      expect(rounds).toHaveLength(1);
      expect(String(rounds[0]?.result?.requestState)).toMatch(/^mcplex\.url\./);
      expect(erin.wire.some((m) => (m as RawAnswer).error?.code === ErrorCode.UrlElicitationRequired)).toBe(false);
    });

    it("a 2025-era upstream's URL elicitation reaches it in the 2026 shape (no id)", async () => {
      const jane = await modern('accept');
      expect(text(await jane.client.callTool({ name: 'u__pay', arguments: {} }))).toBe('checkout: accept');
      expect(jane.asked).toEqual([{ mode: 'url', url: 'https://pay.example/checkout/1', message: 'Pay for order 1' }]);
    });

    it('a page not done in time (half the call timeout) is asked again; done by then, the call goes through', async () => {
      const quick = await startGateway([stdio('u', process.execPath, [UPSTREAM], { timeoutMs: 2000 })]);
      try {
        const helper = await quick.connect('legacy');
        let asks = 0;
        const client = await quick.connect('modern', {
          options: { capabilities: { elicitation: { url: {} } } },
          setup: (c) => {
            c.setRequestHandler('elicitation/create', async () => {
              // The person gives up the first time (the gateway waits 1 s, calls again, asks again); logs in the second.
              if (++asks === 2) await helper.callTool({ name: 'u__finish', arguments: { id: 'login-ivy' } });
              return { action: 'accept' };
            });
          },
        });
        expect(text(await client.callTool({ name: 'u__login', arguments: { who: 'ivy' } }))).toBe('welcome ivy');
        expect(asks).toBe(2);
      } finally {
        await quick.close();
      }
    });

    it('declined, the call ends with a clear error; a client without URL elicitation gets -32021', async () => {
      const frank = await modern('decline');
      const declined = await frank.client.callTool({ name: 'u__login', arguments: { who: 'frank' } }).then(
        () => undefined,
        (e: { code: number; message: string }) => e,
      );
      expect(declined?.code).toBe(ErrorCode.Forbidden);
      expect(declined?.message).toContain('needs https://idp.example/login?who=frank opened, and the user answered decline');

      const grace = await modern(undefined);
      const refused = await grace.client.callTool({ name: 'u__login', arguments: { who: 'grace' } }).then(
        () => undefined,
        (e: { code: number; data?: unknown }) => e,
      );
      expect(refused?.code).toBe(-32021);
      expect(refused?.data).toEqual({ requiredCapabilities: { elicitation: { url: {} } } });
    });

    it('through a chain of gateways, the round is the inner gateway\'s: the outer one passes it on and back', async () => {
      // Another gateway in front of this one: its rounds' requestState has the same prefix as its own would.
      const outer = await startGateway([http('inner', gw.url)]);
      try {
        const helper = await caller(true);
        const kim = await outer.connect('modern', {
          options: { capabilities: { elicitation: { url: {} } } },
          setup: (c) =>
            c.setRequestHandler('elicitation/create', async (req) => {
              expect(req.params).toMatchObject({ mode: 'url', url: 'https://idp.example/login?who=kim' });
              void helper.client.callTool({ name: 'u__finish', arguments: { id: 'login-kim' } });
              return { action: 'accept' };
            }),
        });
        expect(text(await kim.callTool({ name: 'inner__u__login', arguments: { who: 'kim' } }))).toBe('welcome kim');
      } finally {
        await outer.close();
      }
    });

    it("a round's requestState is bound to its call: another tool cannot answer it", async () => {
      const first = await fetchRound(gw.url, 'henry');
      const other = await postModern(gw.url, 'tools/call', { name: 'u__pay', arguments: {}, requestState: first.requestState, inputResponses: { 'mcplex.url.0': { action: 'accept' } } });
      expect(other.error?.code).toBe(ErrorCode.InvalidParams);
      expect(other.error?.message).toContain('Invalid requestState');
    });
  });
});

type RawAnswer = { result?: Record<string, unknown>; error?: { code: number; message: string } };

/** One 2026-era request on the wire (no SDK client): its JSON-RPC answer. */
async function postModern(url: string, method: string, params: Record<string, unknown>): Promise<RawAnswer> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': method, ...(typeof params.name === 'string' && { 'mcp-name': params.name }) },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method,
      params: { ...params, _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': { elicitation: { url: {} } }, 'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' } } },
    }),
  });
  const body = await res.text();
  const data = body.startsWith('{') ? body : (body.split('\n').find((l) => l.startsWith('data: ')) ?? '').slice(6);
  return JSON.parse(data) as RawAnswer;
}

/** The round a raw 2026-era call to login ends with. */
async function fetchRound(url: string, who: string): Promise<{ requestState: string }> {
  const answer = await postModern(url, 'tools/call', { name: 'u__login', arguments: { who } });
  expect(answer.result?.resultType).toBe('input_required');
  return { requestState: String(answer.result?.requestState) };
}

describe("a 2026-era upstream's URL elicitation", () => {
  it('reaches a 2025-era caller as a request with the id its revision requires', async () => {
    const raw = await startRawUpstream();
    const gw = await startGateway([http('raw', raw.url)]);
    try {
      const asked: Array<Record<string, unknown>> = [];
      const client = await gw.connect('legacy', {
        options: { capabilities: { elicitation: { url: {} } } },
        setup: (c) =>
          c.setRequestHandler('elicitation/create', async (req) => {
            asked.push(req.params as Record<string, unknown>);
            return { action: 'accept' };
          }),
      });
      expect(text(await client.callTool({ name: 'raw__opens', arguments: {} }))).toBe('answered {"q":{"action":"accept"}}');
      expect(asked).toEqual([{ mode: 'url', message: 'Connect your account', url: 'https://example.com/connect', elicitationId: expect.stringMatching(/^[0-9a-f-]{36}$/) }]);
    } finally {
      await gw.close();
      await raw.close();
    }
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
