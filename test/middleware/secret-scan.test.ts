// secretScan() in a framework server, through the official SDK client in both eras: secrets in structured tool
// output (keys with dots in them too), resource contents and prompt arguments; the result a handler returned is
// left as it was (a copy is redacted); directions turned off are not scanned.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createServer, ErrorCode, type HttpHandle, secretScan, silentLogger } from '../../src/index.js';
import { connectHttp, type EraName } from '../helpers/clients.js';

const TOKEN = `xoxb-123456789012-1234567890123-${'AbCdEfGhIjKlMnOpQrStUvWx'}`;
const DB_URL = 'postgres://admin:s3cr3t-pa55@db.internal:5432/orders';

describe('secretScan()', () => {
  let handle: HttpHandle;
  const kept = { 'conn.string': DB_URL, nested: [{ token: TOKEN }] };

  beforeAll(async () => {
    const server = createServer({ name: 'secrets', version: '1.0.0', logger: silentLogger });
    server.use(secretScan());
    server.tool('config', { description: 'shows a config', output: z.object({ 'conn.string': z.string(), nested: z.array(z.object({ token: z.string() })) }) }, () => ({ structuredContent: kept }));
    server.resource('config://db', { name: 'db', mimeType: 'text/plain' }, (uri) => ({ contents: [{ uri: uri.href, text: `url=${DB_URL}` }] }));
    server.prompt('deploy', { description: 'deploy with a token', args: z.object({ token: z.string() }) }, () => ({ messages: [{ role: 'user', content: { type: 'text', text: 'deploy' } }] }));
    handle = await server.serveHttp({ port: 0 });
  });
  afterAll(() => handle?.close());

  for (const era of ['legacy', 'modern'] as EraName[]) {
    it(`${era}: redacts structured output and resource contents; refuses a secret prompt argument`, async () => {
      const client = await connectHttp(handle.url, era);
      try {
        const res = await client.callTool({ name: 'config', arguments: {} });
        const out = res.structuredContent as typeof kept;
        expect(out['conn.string']).toMatch(/^\[REDACTED [A-Za-z_]+\]/);
        expect(out.nested[0]!.token).toBe('[REDACTED SLACK_TOKEN]');
        expect(JSON.stringify(res)).not.toContain('s3cr3t-pa55');
        // What the handler returned is untouched.
        expect(kept.nested[0]!.token).toBe(TOKEN);
        const read = await client.readResource({ uri: 'config://db' });
        expect((read.contents[0] as { text: string }).text).not.toContain('s3cr3t-pa55');
        await expect(client.getPrompt({ name: 'deploy', arguments: { token: TOKEN } })).rejects.toMatchObject({
          code: ErrorCode.InvalidParams,
          message: expect.stringMatching(/argument token holds what looks like a secret \(SLACK_TOKEN\)/),
        });
      } finally {
        await client.close();
      }
    });
  }

  it('refuses the formats of many providers (none skipped by the cheap pre-check), and lets look-alikes through', async () => {
    // Made-up values in each provider's format.
    const r = (n: number) => Array.from({ length: n }, (_, i) => 'aB3dE6gH9kLmN0pQrS2tUvW5xYz8'[i % 28]).join('');
    const formats: Record<string, string> = {
      GITHUB_TOKEN: `ghp_${r(36)}`,
      SLACK_TOKEN: TOKEN,
      NPM_ACCESS_TOKEN: `npm_${r(36)}`,
      STRIPE_SECRET_KEY_LIVE: `sk_live_${r(24)}`,
      ANTHROPIC_API_KEY: `sk-ant-api03-${r(93)}AA`,
      OPENAI_TOKEN: `sk-proj-${r(74)}T3BlbkFJ${r(74)}`,
      SENDGRID_KEY: `SG.${r(22)}.${r(43)}`,
      LINEAR_API_TOKEN: `lin_api_${r(40)}`,
      MySQLConnection: 'mysql://root:toor@localhost/shop',
      BasicAuth: 'https://bob:passw0rd@example.com/x',
    };
    const guard = secretScan({ results: 'off' });
    const ask = (value: string) =>
      guard({ method: 'tools/call', params: { arguments: { value } }, log: silentLogger } as never, async () => ({})).then(
        () => 'let through',
        (e: Error) => e.message,
      );
    for (const [kind, value] of Object.entries(formats)) expect(await ask(`see ${value} here`), kind).toContain(`(${kind})`);
    for (const text of ['x'.repeat(200), 'internationalization-and-localization', '12345678901234567890123', 'id 550e8400-e29b-41d4-a716-446655440000']) {
      expect(await ask(text)).toBe('let through');
    }
  });

  it('scans nothing in a direction turned off', async () => {
    const server = createServer({ name: 'open', version: '1.0.0', logger: silentLogger });
    server.use(secretScan({ arguments: 'off', results: 'off' }));
    server.tool('echo', { description: 'echo', input: z.object({ text: z.string() }) }, ({ text }) => text);
    const open = await server.serveHttp({ port: 0 });
    const client = await connectHttp(open.url, 'legacy');
    try {
      const res = await client.callTool({ name: 'echo', arguments: { text: TOKEN } });
      expect((res.content as Array<{ text: string }>)[0]!.text).toBe(TOKEN);
    } finally {
      await client.close();
      await open.close();
    }
  });
});
