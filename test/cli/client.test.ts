// `mcplex tools|call|resources|read|prompts|prompt` from source as child processes, against real servers: the
// embedded config's demo and filesystem servers by name, a gateway over Streamable HTTP with an API key header,
// and the official "everything" server as a stdio command after --. Arguments are typed by the tool's input
// schema; a server's questions (elicitation, sampling) are answered from stdin; tool errors, unknown tools and
// servers that do not come up exit 1; the stdio child is gone afterwards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApiKey } from '../../src/index.js';
import { killPid, killStarted, ROOT, spawnTs, tsxArgs, waitForLine, waitGone } from '../helpers/process.js';
import { UPSTREAM } from '../gateway/fixtures/helpers.js';
import { fixtureServer, runCli, serveCli } from '../gateway/fixtures/cli.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';

afterAll(killStarted);

const EVERYTHING = ['--', process.execPath, `${ROOT}node_modules/@modelcontextprotocol/server-everything/dist/index.js`, 'stdio'];

async function mcplex(...args: string[]) {
  const cli = runCli(args, { MCPLEX_LOG_LEVEL: 'warn' });
  const { code } = await cli.exited(60_000);
  return { code, stdout: cli.stdout(), stderr: cli.stderr() };
}

/** The same, with `input` piped to its stdin (then closed). */
async function answering(input: string, ...args: string[]) {
  const cli = runCli(args, { MCPLEX_LOG_LEVEL: 'warn' });
  cli.child.stdin!.end(input);
  const { code } = await cli.exited(60_000);
  return { code, stdout: cli.stdout(), stderr: cli.stderr() };
}

describe('mcplex client commands', () => {
  it('lists the tools of a server of the embedded config, and calls them with typed arguments', async () => {
    const tools = await mcplex('tools', '--server', 'demo');
    expect(tools.code).toBe(0);
    expect(tools.stdout.split('\n').slice(0, 2)).toEqual(['echo (read-only)  Returns the text it is given', 'add (read-only)  Adds two numbers and returns the sum as structured output']);
    // `text` is a string in the schema: 123 stays text; a and b are numbers.
    expect(await mcplex('call', 'echo', 'text=123', '--server', 'demo')).toMatchObject({ code: 0, stdout: '123\n' });
    const sum = await mcplex('call', 'add', 'a=2', 'b=3', '--server', 'demo', '--json');
    expect(sum.code).toBe(0);
    expect(JSON.parse(sum.stdout).structuredContent).toEqual({ sum: 5 });
    // A key the tool's schema does not name (a misspelt optional argument) is sent, with a word on stderr.
    expect(await mcplex('call', 'echo', 'text=hi', 'txt=hi', '--server', 'demo')).toMatchObject({
      code: 0,
      stdout: 'hi\n',
      stderr: expect.stringContaining("mcplex: 'txt' is not one of the tool's arguments (text); sent as given"),
    });
  });

  it('reads resources and prompts', async () => {
    const listed = await mcplex('resources', '--server', 'files');
    expect(listed.stdout).toMatch(/^file:\/\/\S+\/samples\/files\/README\.md {2}README\.md \(text\/markdown\)$/m);
    const readme = await mcplex('read', 'demo://readme', '--server', 'demo');
    expect(readme.stdout).toBe('# mcplex demo\nTools: echo, add, sleep, greet.\n');
    expect((await mcplex('prompts', '--server', 'demo')).stdout).toMatch(/^summarize \[text\* style\] {2}/m);
    expect((await mcplex('prompt', 'summarize', 'text=abc', '--server', 'demo')).stdout).toMatch(/^user: .*\nabc\n$/);
  });

  it('runs a stdio server given after --, and stops it', async () => {
    const tools = await mcplex('tools', '--json', ...EVERYTHING);
    expect(tools.code).toBe(0);
    expect((JSON.parse(tools.stdout) as Array<{ name: string }>).map((t) => t.name)).toContain('echo');
    expect(await mcplex('call', 'echo', 'message=hi', ...EVERYTHING)).toMatchObject({ code: 0, stdout: 'Echo: hi\n' });
    // A fixture server says its pid: the child the command started is gone once it has answered.
    const who = await mcplex('call', 'whoami', '--', process.execPath, ...tsxArgs(UPSTREAM, '--name', 'cli-child'));
    const pid = Number(/^cli-child:(\d+)$/m.exec(who.stdout)?.[1]);
    expect(pid).toBeGreaterThan(0);
    expect(await waitGone(pid, 10_000)).toBe(true);
  });

  it('exits 1 on an unknown tool or a server that does not come up, and 2 when no server is named', async () => {
    const unknown = await mcplex('call', 'nope', '--server', 'demo');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("mcplex: unknown tool 'nope' (try mcplex tools)");
    const down = await mcplex('tools', '--url', 'http://127.0.0.1:9/mcp', '--timeout', '3000');
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^mcplex: 127\.0\.0\.1:9: .*127\.0\.0\.1:9/m);
    const none = await mcplex('tools');
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/name one server: --url <url>, --server <name>/);
    const notThere = await mcplex('tools', '--server', 'nosuch');
    expect(notThere.code).toBe(2);
    expect(notThere.stderr).toMatch(/--server 'nosuch': no such server in the embedded config \(it has demo, notes, files, shop\)/);
  });

  describe('a gateway over HTTP, with an API key', () => {
    const key = newApiKey();
    let gateway: Awaited<ReturnType<typeof serveCli>>;
    beforeAll(async () => {
      const dir = mkdtempSync(join(tmpdir(), 'mcplex-client-'));
      const config = join(dir, 'mcplex.json');
      writeFileSync(config, JSON.stringify({ auth: { apiKeys: { [key.hash]: { id: 'cli', scopes: ['tools'] } } }, servers: { fx: fixtureServer('fx') } }));
      gateway = await serveCli(config);
    }, 60_000);
    afterAll(() => killPid(gateway?.pid));

    it('calls through it with the header, and is refused without', async () => {
      const called = await mcplex('call', 'fx__echo', 'text=hello', '--url', gateway.url, '--header', `Authorization: Bearer ${key.key}`);
      expect(called).toMatchObject({ code: 0, stdout: 'fx: hello\n' });
      const refused = await mcplex('tools', '--url', gateway.url);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/401|[Uu]nauthorized/);
    });
  });

  // Each case runs the CLI and its server as processes: one run per test, so a loaded machine stays within the timeout.
  for (const protocol of ['2025-11-25', '2026-07-28']) {
    it(`answers a server's elicitation from stdin (${protocol})`, async () => {
      const accepted = await answering('Ada\n', 'call', 'greet', '--server', 'demo', '--protocol', protocol);
      expect(accepted).toMatchObject({ code: 0, stdout: 'Hello, Ada!\n' });
      expect(accepted.stderr).toContain('The server asks: What is your name?');
      expect(accepted.stderr).toMatch(/ {2}name \(Your name\) \[string; required\]: /);
    });
    it(`declines a server's elicitation with !decline, and cancels when input ends first (${protocol})`, async () => {
      expect(await answering('!decline\n', 'call', 'greet', '--server', 'demo', '--protocol', protocol)).toMatchObject({ code: 0, stdout: 'No name given (decline).\n' });
      // Input that ends before the answer cancels; an empty answer to a required field is asked again.
      expect(await answering('\n', 'call', 'greet', '--server', 'demo', '--protocol', protocol)).toMatchObject({ code: 0, stdout: 'No name given (cancel).\n' });
    });
  }

  it("answers a server's sampling request with the person's reply; an empty one or !decline refuses it", async () => {
    const sampled = await answering('Paris is the capital.\n', 'call', 'trigger-sampling-request', 'prompt=What is the capital of France?', ...EVERYTHING);
    expect(sampled.code).toBe(0);
    expect(JSON.parse(sampled.stdout.slice(sampled.stdout.indexOf('{')))).toEqual({
      model: 'human (mcplex command line)',
      stopReason: 'endTurn',
      role: 'assistant',
      content: { type: 'text', text: 'Paris is the capital.' },
    });
    expect(sampled.stderr).toContain("The server asks for a model's reply (sampling, at most 100 tokens):\n  system: You are a helpful test server.\n  user: Resource trigger-sampling-request context: What is the capital of France?\n");
    const declined = await answering('!decline\n', 'call', 'trigger-sampling-request', 'prompt=x', ...EVERYTHING);
    // The server's tool fails with what the client answered (a tool error: exit 1).
    expect(declined).toMatchObject({ code: 1, stdout: 'MCP error -1: User rejected sampling request\n' });
    // Without input there is no one to ask: the client does not declare sampling, and the server offers no such tool.
    expect(await mcplex('call', 'trigger-sampling-request', 'prompt=x', '--no-input', ...EVERYTHING)).toMatchObject({ code: 1, stderr: expect.stringMatching(/unknown tool 'trigger-sampling-request'/) });
  });

  it('answers a form, a sampling request and the roots asked for together, one question at a time, in both eras', async () => {
    const server = spawnTs('examples/ask-for-input.ts', [], { env: { PORT: '0' }, stdin: 'ignore' });
    const url = /listening on (\S+)/.exec(await waitForLine(server.child.stdout!, (l) => l.startsWith('listening on'), 20_000))![1]!;
    const root = mkdtempSync(join(tmpdir(), 'release-root-'));
    try {
      for (const protocol of ['2025-11-25', '2026-07-28']) {
        const released = await answering('yes\nFixed the bugs.\n', 'call', 'release', 'version=1.2', '--root', root, '--url', url, '--protocol', protocol);
        expect(released).toMatchObject({ code: 0, stdout: `Released 1.2 from ${pathToFileURL(root).href}: Fixed the bugs.\n` });
        expect(released.stderr).toMatch(/ok \(Go ahead\) \[boolean; required\]: The server asks for a model's reply \(sampling, at most 200 tokens\):\n {2}user: Write release notes for 1\.2\n/);
      }
    } finally {
      killPid(server.pid);
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('--root offers directories as roots (also with --no-input); a missing one exits 2', async () => {
    const [a, b] = [mkdtempSync(join(tmpdir(), 'root-a-')), mkdtempSync(join(tmpdir(), 'root-b-'))];
    try {
      const listed = await mcplex('call', 'get-roots-list', '--root', a, '--root', b, '--no-input', ...EVERYTHING);
      expect(listed.code).toBe(0);
      expect(listed.stdout).toContain('Current MCP Roots (2 total)');
      expect(listed.stdout).toContain(`URI: ${pathToFileURL(a).href}`);
      expect(listed.stdout).toContain(`${basename(b)}\n   URI: ${pathToFileURL(b).href}`);
      // Without --root the client declares no roots capability, and the server offers no such tool.
      expect(await mcplex('call', 'get-roots-list', ...EVERYTHING)).toMatchObject({ code: 1, stderr: expect.stringMatching(/unknown tool 'get-roots-list'/) });
      expect(await mcplex('tools', '--root', join(a, 'nope'), ...EVERYTHING)).toMatchObject({ code: 2, stderr: expect.stringMatching(/--root '.*nope': not a directory/) });
    } finally {
      rmSync(a, { recursive: true, force: true });
      rmSync(b, { recursive: true, force: true });
    }
  });

  it('a page to open first (-32042): offered as a URL, and the call made again once opened; --no-input names it', async () => {
    const server = ['--', process.execPath, `${ROOT}test/gateway/helpers/url-elicit-upstream.mjs`];
    const opened = await answering('\n', 'call', 'login', 'who=zed', 'selfService=true', ...server);
    expect(opened).toMatchObject({ code: 0, stdout: 'welcome zed\n' });
    expect(opened.stderr).toContain('The server asks: Log in to the example service\n  Open https://idp.example/login?who=zed');
    // Told by the server that the page is done (notifications/elicitation/complete), it goes on without Enter.
    const told = runCli(['call', 'login', 'who=kim', 'completeAfterMs=300', ...server], { MCPLEX_LOG_LEVEL: 'warn' });
    await told.waitStderr(/Press Enter when done/, 30_000);
    expect(await told.exited(30_000)).toMatchObject({ code: 0 });
    expect(told.stdout()).toBe('welcome kim\n');
    expect(told.stderr()).toContain('Done: the server says so.');
    const refused = await answering('', 'call', 'login', 'who=amy', '--no-input', ...server);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('the server needs a page opened first: https://idp.example/login?who=amy (Log in to the example service); open it, then run the command again');
  });

  it('--no-input: the server is told this client answers no questions', async () => {
    const refused = await answering('Ada\n', 'call', 'greet', '--server', 'demo', '--no-input');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^mcplex: demo: .*elicitation.*do not declare the required capability/m);
    expect(refused.stderr).not.toContain('The server asks');
  });
});
