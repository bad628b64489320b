// docs/resilience.md's examples are real: its config parses with the shipped loader to what the text says, and its
// framework example type-checks against the package's exports (the import list below mirrors it).
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { parseConfig } from '../../src/gateway/config/index.js';
import { circuitBreaker, createServer, retry, timeout } from '../../src/index.js';

const doc = readFileSync(new URL('../../docs/resilience.md', import.meta.url), 'utf8');
const block = (lang: string, after: string) => {
  const start = doc.indexOf(after);
  const m = new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``).exec(doc.slice(start));
  if (start < 0 || !m) throw new Error(`no ${lang} block after '${after}'`);
  return m[1]!;
};

it('the configuration example is valid', () => {
  const config = parseConfig(block('yaml', '## Configuration'), { format: 'yaml', env: {} });
  expect(config.resilience).toMatchObject({ mode: 'normal', waitForRestartMs: 3000, breaker: { whenOpen: 'mark' }, restartBackoff: { maxDelayMs: 10000 } });
  expect(config.servers.github).toMatchObject({ required: true, maxTimeoutMs: 120000, toolTimeouts: { search_code: 5000 }, mode: 'read-only', restartBackoff: { initialDelayMs: 500, maxDelayMs: 30000, healthyAfterMs: 30000 } });
});

it('the framework example uses what the package exports', () => {
  const code = block('ts', '## In a framework server');
  expect(code).toContain("import { circuitBreaker, createServer, retry, timeout } from 'mcplex';");
  const server = createServer({ name: 'weather', version: '1.0.0' });
  server.use(circuitBreaker({ failures: 3, openMs: 5000 }), retry({ alsoSafe: (_ctx, t) => t.name === 'forecast' }), timeout({ timeoutMs: () => 3000, maxTotalMs: () => 30000 }));
  expect(server).toBeDefined();
});
