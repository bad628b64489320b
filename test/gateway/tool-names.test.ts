// A tool name as exposed (namespace, separator, its own or renamed name) longer than 64 characters, which the
// Anthropic and OpenAI APIs refuse: the gateway warns once per name, naming the server and how to shorten it, and
// not again when the server is listed again (a restart); names within the limit are not named.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { capturingLogger, type LogEntry } from '../helpers/logger.js';
import { everything, type RunningGateway, startGateway } from './helpers/harness.js';

const LONG = 'echo_the_text_back_to_the_caller_exactly_as_it_was_given';
const entries: LogEntry[] = [];
let gw: RunningGateway;
beforeAll(async () => {
  gw = await startGateway([everything('a_long_namespace', { tools: { rename: { echo: LONG } } })], { logger: capturingLogger(entries) });
}, 60_000);
afterAll(() => gw?.close());

const warnings = () => entries.filter((e) => e.level === 'warn' && e.msg?.includes('longer than 64 characters'));

it('warns once per tool name longer than 64 characters, and not again when the server is listed again', async () => {
  const client = await gw.connect('legacy');
  expect((await client.listTools()).tools.map((t) => t.name)).toContain(`a_long_namespace__${LONG}`);
  expect(warnings().map((w) => [w.obj, w.msg])).toEqual([
    [
      { upstream: 'a_long_namespace', names: [`a_long_namespace__${LONG}`] },
      `1 tool name longer than 64 characters, which the Anthropic and OpenAI APIs refuse: a_long_namespace__${LONG} (shorten with servers.a_long_namespace.tools.rename or a shorter namespace)`,
    ],
  ]);
  expect(await gw.gateway.restartServer('a_long_namespace', 'test', 'admin')).toBe(true);
  expect((await client.listTools()).tools.map((t) => t.name)).toContain(`a_long_namespace__${LONG}`);
  expect(warnings()).toHaveLength(1);
});
