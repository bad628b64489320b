// URL user-info in a server's config becomes an Authorization: Basic header at load time, so the URL the gateway
// keeps (and fetch sees) has none; giving it alongside an Authorization header is an error that quotes neither.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/gateway/config/index.js';

const parse = (yaml: string) => parseConfig(yaml, { format: 'yaml', env: {} });

describe('url user-info', () => {
  it('moves into an Authorization: Basic header', () => {
    const config = parse('servers:\n  web:\n    url: https://bot:pa%24%24@api.example.com/mcp?x=1\n    headers: { X-Other: v }\n');
    const web = config.servers.web;
    if (web?.transport !== 'http') throw new Error('expected an http server');
    expect(web.url).toBe('https://api.example.com/mcp?x=1');
    expect({ ...web.headers }).toEqual({ 'X-Other': 'v', Authorization: `Basic ${Buffer.from('bot:pa$$').toString('base64')}` });
  });

  it('together with an Authorization header is refused, without quoting either', () => {
    const run = () => parse('servers:\n  web:\n    url: https://bot:hunter2222@api.example.com/mcp\n    headers: { authorization: Bearer tok-tok-tok }\n');
    expect(run).toThrow(/servers\.web\.url.*user name or password and headers has Authorization/s);
    try {
      run();
    } catch (err) {
      expect((err as Error).message).not.toMatch(/hunter2222|tok-tok-tok/);
    }
  });
});
