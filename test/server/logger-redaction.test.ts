// The logger's redaction: credential fields at any case and depth, header and env values, URL user-info and
// query strings inside any text, and the message itself.
import { describe, expect, it } from 'vitest';
import { redactText } from '../../src/core/redact.js';
import { createLogger } from '../../src/server/logger.js';

const S = 's3cr3t-Value-42';

function capture(level = 'trace') {
  const lines: string[] = [];
  const log = createLogger('test', level, { write: (l: string) => void lines.push(l) });
  return { log, lines, last: () => JSON.parse(lines.at(-1)!) as Record<string, unknown> };
}

describe('log redaction', () => {
  it('redacts credential fields at the top level in their usual spellings', () => {
    const { log, lines } = capture();
    for (const key of ['authorization', 'Authorization', 'AUTHORIZATION', 'Proxy-Authorization', 'X-Api-Key', 'x-api-key', 'cookie', 'Set-Cookie', 'token', 'apiKey', 'password', 'clientSecret']) {
      log.info({ [key]: S }, 'x');
    }
    expect(lines).toHaveLength(12);
    for (const line of lines) expect(line).not.toContain(S);
  });

  it('redacts credential fields and header values below the top level, whatever their case', () => {
    const { log, last } = capture();
    const headers = { 'X-API-KEY': S, 'x-Auth-Token': S, 'PROXY-AUTHORIZATION': `Basic ${S}`, 'X-Custom-Secret': S, 'Content-Type': 'application/json' };
    log.warn({ req: { headers, Cookie: S, nested: { AccessToken: S, Api_Key: S, progressToken: 7 } } }, 'request');
    const line = JSON.stringify(last());
    expect(line).not.toContain(S);
    const req = last().req as { headers: Record<string, string>; nested: Record<string, unknown> };
    expect(req.headers['X-API-KEY']).toBe('[redacted]');
    expect(req.headers['Content-Type']).toBe('application/json');
    expect(req.nested.progressToken).toBe(7);
  });

  it('redacts a whole gateway config: header and env values, URL user-info and query, args', () => {
    const { log, last } = capture();
    const config = {
      servers: {
        web: { url: `https://me:${S}@api.example.com/mcp?key=${S}`, headers: { 'x-goog-api-key': S, Accept: 'text/event-stream' } },
        cli: { command: 'node', args: [`--token=${S}`], env: { HOME: '/root', GITHUB_PAT: S } },
      },
    };
    log.debug({ config }, 'config');
    const line = JSON.stringify(last());
    expect(line).not.toContain(S);
    const web = (last().config as typeof config).servers.web;
    expect(web.url).toBe('https://api.example.com/mcp?[redacted]');
    expect(web.headers.Accept).toBe('text/event-stream');
    // top-level headers/env too
    log.info({ headers: { 'X-Api-Key': S, accept: '*/*' }, env: { ANY_NAME: S } }, 'top');
    expect(JSON.stringify(last())).not.toContain(S);
    expect((last().headers as Record<string, string>).accept).toBe('*/*');
  });

  it('redacts credentials inside error messages, stacks and the log message', () => {
    const { log, lines } = capture();
    const err = new Error(`Request cannot be constructed from a URL that includes credentials: http://u:${S}@127.0.0.1:9/mcp`);
    log.error({ err }, 'failed');
    log.warn({ err: err.message, upstream: 'x' }, 'down');
    log.error(err);
    log.info(`connecting to postgres://u:${S}@db/x with Authorization: Bearer ${S}`);
    log.info({ line: `GITHUB_TOKEN=${S}` }, 'stderr');
    expect(lines).toHaveLength(5);
    for (const line of lines) expect(line).not.toContain(S);
    expect(lines[0]).toContain('http://127.0.0.1:9/mcp');
  });

  it('writes nothing below the level', () => {
    const { log, lines } = capture('info');
    log.debug({ authorization: S }, 'hidden');
    expect(lines).toHaveLength(0);
  });
});

describe('redactText', () => {
  it('strips URL user-info and query, keeps host and path', () => {
    expect(redactText(`at http://a:b%40c@h:80/p/q?token=${S}&x=1#frag, then`)).toBe('at http://h:80/p/q?[redacted] then');
    expect(redactText(`'https://user:p@ss@host/x'`)).toBe(`'https://host/x'`);
    expect(redactText('see https://example.com/docs/@scope/pkg')).toBe('see https://example.com/docs/@scope/pkg');
  });
  it('redacts inline credential fields and scheme tokens', () => {
    expect(redactText(`Authorization: Bearer ${S}`)).toBe('Authorization: [redacted]');
    expect(redactText(`{"apiKey":"${S}","n":1}`)).toBe('{"apiKey":"[redacted]","n":1}');
    expect(redactText(`OPENAI_API_KEY=${S} next`)).toBe('OPENAI_API_KEY=[redacted] next');
    expect(redactText(`sent Basic ${Buffer.from(`u:${S}`).toString('base64')}`)).toBe('sent Basic [redacted]');
    expect(redactText('Basic authentication failed')).toBe('Basic authentication failed');
  });
  it('leaves prose after "token:" or "authorization:" alone, not a credential that looks like a word', () => {
    for (const prose of ['Invalid token: it could not be checked', 'Invalid token: the token has expired', "upstream 'x' needs authorization: open the URL"]) expect(redactText(prose)).toBe(prose);
    expect(redactText('password: hunter2')).toBe('password: [redacted]');
    expect(redactText('token: sesame')).toBe('token: [redacted]');
    expect(redactText('token=the')).toBe('token=[redacted]');
    expect(redactText(`Authorization: Bearer ${S}`)).toBe('Authorization: [redacted]');
  });
  it('redacts literal secrets, plain and percent-encoded, and ignores very short ones', () => {
    expect(redactText('x a/b c a%2Fb yz', ['a/b', 'abc'])).toBe('x a/b c a%2Fb yz');
    expect(redactText('x pa/ss c pa%2Fss', ['pa/ss'])).toBe('x [redacted] c [redacted]');
  });
});
