// `secretScan:` on what upstreams ask of the caller (sampling, elicitation) and what the caller answers: a secret in
// a request the gateway relays is redacted before the caller sees it (as a result would be), and a secret in the
// caller's answer is refused before the upstream gets it (as arguments would be). Both kinds of upstream (the
// official "everything" server over 2025-era requests, a framework server over 2026-era input_required rounds) and
// both eras of caller, whose official SDK client answers for real.
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayConfig, SecretScanOptions } from '../../src/index.js';
import { capturingLogger } from '../helpers/logger.js';
import { everything, relayUpstream, type RunningGateway, startGateway, text } from './helpers/harness.js';

const TOKEN = `ghp_${'A1b2C3d4E5'.repeat(3)}x9Y8z7`;
const CAPS = { capabilities: { elicitation: { form: {} }, sampling: {} } };
const servers = { ev: everything(), fw: relayUpstream() };
// The section as a config file gives it (what it leaves out takes the defaults).
const configOf = (secretScan: SecretScanOptions): GatewayConfig => ({
  listen: { host: '127.0.0.1', port: 0, path: '/mcp' },
  separator: '__',
  servers,
  secretScan: secretScan as GatewayConfig['secretScan'],
});

describe.each(['legacy', 'modern'] as const)('secret scan of relayed requests, %s caller', (era) => {
  let gw: RunningGateway;
  let client: Client;
  const log = capturingLogger();
  const asked: Array<Record<string, unknown>> = [];
  let llmSays = 'forty-two';
  let form: Record<string, unknown> = {};

  beforeAll(async () => {
    gw = await startGateway(configOf({}), { logger: log });
    client = await gw.connect(era, {
      options: CAPS,
      setup: (c) => {
        c.setRequestHandler('elicitation/create', async (req) => {
          asked.push(req.params as Record<string, unknown>);
          return { action: 'accept', content: form } as never;
        });
        c.setRequestHandler('sampling/createMessage', async (req) => {
          asked.push(req.params as Record<string, unknown>);
          return { model: 'm', role: 'assistant', content: { type: 'text', text: llmSays } };
        });
      },
    });
  }, 60_000);
  afterAll(() => gw?.close(), 30_000);

  const promptSeen = () => (asked.at(-1)?.messages as Array<{ content: { text: string } }> | undefined)?.[0]?.content.text;
  /** The call's error text, from a tool error or a JSON-RPC error: what the caller is told. */
  const failure = async (name: string, args: Record<string, unknown>) => {
    const outcome = await client.callTool({ name, arguments: args }).then(
      (r) => ({ isError: r.isError === true, said: text(r) }),
      (e: Error) => ({ isError: true, said: e.message }),
    );
    expect(outcome.isError).toBe(true);
    return outcome.said;
  };

  it('redacts a secret in what an upstream asks the caller’s model', async () => {
    // Arguments let through, so the upstream itself is the one holding the secret.
    await gw.gateway.reload(configOf({ arguments: 'off' }));
    await client.callTool({ name: 'ev__trigger-sampling-request', arguments: { prompt: `use ${TOKEN}`, maxTokens: 5 } });
    expect(promptSeen()).toBe('Resource trigger-sampling-request context: use [REDACTED GITHUB_TOKEN]');
    expect(text(await client.callTool({ name: 'fw__sample', arguments: { prompt: `use ${TOKEN}` } }))).toBe('model m said forty-two');
    expect(promptSeen()).toBe('use [REDACTED GITHUB_TOKEN]');
    await gw.gateway.reload(configOf({}));
  });

  it('refuses a caller’s sampling answer holding a secret; the upstream never gets it', async () => {
    llmSays = `the key is ${TOKEN}`;
    try {
      const ev = await failure('ev__trigger-sampling-request', { prompt: 'hi', maxTokens: 5 });
      expect(ev).toMatch(/looks like a secret \(GITHUB_TOKEN\)/);
      expect(ev).not.toContain(TOKEN);
      const fw = await failure('fw__sample', { prompt: 'hi' });
      expect(fw).toMatch(/looks like a secret \(GITHUB_TOKEN\)/);
      expect(fw).not.toContain(TOKEN);
    } finally {
      llmSays = 'forty-two';
    }
    // An ordinary answer goes through.
    expect(text(await client.callTool({ name: 'fw__sample', arguments: { prompt: 'hi' } }))).toBe('model m said forty-two');
  });

  it('refuses an elicitation answer holding a secret', async () => {
    form = { name: `Grace ${TOKEN}`, check: true };
    const said = await failure('ev__trigger-elicitation-request', {});
    expect(said).toMatch(/looks like a secret \(GITHUB_TOKEN\)/);
    expect(said).not.toContain(TOKEN);
    form = { name: 'Grace Hopper', check: true };
    expect(text(await client.callTool({ name: 'ev__trigger-elicitation-request', arguments: {} }))).toBe('✅ User provided the requested information!');
  });

  it('lets an excepted server’s requests through, and logs findings without the value', async () => {
    await gw.gateway.reload(configOf({ arguments: 'off', except: ['server:ev'] }));
    await client.callTool({ name: 'ev__trigger-sampling-request', arguments: { prompt: `use ${TOKEN}`, maxTokens: 5 } });
    expect(promptSeen()).toBe(`Resource trigger-sampling-request context: use ${TOKEN}`);
    await gw.gateway.reload(configOf({}));
    const found = log.entries.filter((e) => e.level === 'warn' && /possible secret/.test(e.msg ?? ''));
    expect(found.map((e) => (e.obj as { direction: string }).direction)).toEqual(expect.arrayContaining(['arguments', 'results']));
    expect(JSON.stringify(log.entries.map((e) => [e.obj, e.msg]))).not.toContain(TOKEN);
  });
});
