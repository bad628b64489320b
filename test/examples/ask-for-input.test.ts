// examples/ask-for-input.ts runs as a real process; the SDK client drives it in both eras and answers the form,
// the sampling request and roots/list it is asked for.
import { Client, type ElicitResult, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killStarted, type Spawned, spawnTs, waitForLine } from '../helpers/process.js';

let server: Spawned;
let url: string;

beforeAll(async () => {
  server = spawnTs('examples/ask-for-input.ts', [], { env: { PORT: '0' }, stdin: 'ignore' });
  const listening = /listening on (\S+)/;
  url = listening.exec(await waitForLine(server.child.stdout!, (l) => listening.test(l), 20_000))![1]!;
});
afterAll(() => killStarted());

const ALL = { elicitation: { form: {} }, sampling: {}, roots: {} };
const text = (r: { content?: unknown }) => (r.content as Array<{ text: string }>)[0]!.text;

async function connect(era: 'legacy' | 'modern', capabilities: Record<string, unknown>, asked: string[] = [], ok = true): Promise<Client> {
  const client = new Client({ name: 'example-test', version: '1' }, { capabilities, ...(era === 'modern' && { versionNegotiation: { mode: { pin: '2026-07-28' } } }) });
  if ('elicitation' in capabilities) {
    client.setRequestHandler('elicitation/create', async (req): Promise<ElicitResult> => {
      asked.push(`form: ${(req.params as { message: string }).message}`);
      return { action: 'accept', content: { ok } };
    });
  }
  if ('sampling' in capabilities) {
    client.setRequestHandler('sampling/createMessage', async () => {
      asked.push('sampling');
      return { role: 'assistant', model: 'm', content: { type: 'text', text: 'Faster and safer.' } };
    });
  }
  if ('roots' in capabilities) {
    client.setRequestHandler('roots/list', async () => {
      asked.push('roots');
      return { roots: [{ uri: 'file:///srv/app', name: 'app' }] };
    });
  }
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  expect(client.getProtocolEra()).toBe(era);
  return client;
}

describe.each(['legacy', 'modern'] as const)('examples/ask-for-input.ts, %s client', (era) => {
  it('release asks for the form, the notes and the roots, and uses all three answers', async () => {
    const asked: string[] = [];
    const client = await connect(era, ALL, asked);
    const r = await client.callTool({ name: 'release', arguments: { version: '2.0.0' } });
    expect(text(r)).toBe('Released 2.0.0 from file:///srv/app: Faster and safer.');
    expect(asked.sort()).toEqual(['form: Release 2.0.0?', 'roots', 'sampling']);
    await client.close();
  });

  it('release stops when the user does not confirm', async () => {
    const client = await connect(era, ALL, [], false);
    expect(text(await client.callTool({ name: 'release', arguments: { version: '2.0.1' } }))).toBe('Release of 2.0.1 cancelled');
    await client.close();
  });

  it('release names the capabilities the caller did not declare instead of asking', async () => {
    const asked: string[] = [];
    const client = await connect(era, { elicitation: { form: {} } }, asked);
    const r = await client.callTool({ name: 'release', arguments: { version: '2.0.0' } });
    expect(r.isError).toBe(true);
    expect(text(r)).toBe('This tool needs a client with: sampling, roots');
    expect(asked).toEqual([]);
    await client.close();
  });

  it('upgrade sends the user to the checkout page, and a 2025-era client hears when it is done', async () => {
    const pages: string[] = [];
    const done: string[] = [];
    const client = new Client({ name: 'example-test', version: '1' }, { capabilities: { elicitation: { url: {} } }, ...(era === 'modern' && { versionNegotiation: { mode: { pin: '2026-07-28' } } }) });
    client.setRequestHandler('elicitation/create', async (req): Promise<ElicitResult> => {
      const { url: page, elicitationId } = req.params as { url: string; elicitationId?: string };
      pages.push(`${page} ${elicitationId ? 'with id' : 'without id'}`);
      return { action: 'accept' };
    });
    const heard = new Promise<void>((resolve) =>
      client.setNotificationHandler('notifications/elicitation/complete', async (n) => {
        done.push(String(n.params.elicitationId));
        resolve();
      }),
    );
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    expect(text(await client.callTool({ name: 'upgrade', arguments: {} }))).toBe('Checkout done: you are on the Pro plan');
    expect(pages).toEqual([`https://billing.example.com/checkout/pro ${era === 'legacy' ? 'with id' : 'without id'}`]);
    if (era === 'legacy') {
      await heard;
      expect(done).toHaveLength(1);
    }
    const bare = await connect(era, { elicitation: { form: {} } });
    expect(text(await bare.callTool({ name: 'upgrade', arguments: {} }))).toBe('This tool needs a client that can open URLs (elicitation.url)');
    await Promise.all([client.close(), bare.close()]);
  });

  it('workspace lists the client roots', async () => {
    const client = await connect(era, { roots: {} });
    expect(text(await client.callTool({ name: 'workspace', arguments: {} }))).toBe('file:///srv/app');
    await client.close();
  });
});

it('stops cleanly on SIGTERM', async () => {
  const exited = new Promise((r) => server.child.once('exit', r));
  server.child.kill('SIGTERM');
  expect(await exited).toBe(0);
});
