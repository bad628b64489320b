// docs/observability.md's examples are real: its config block parses with the shipped loader and means the
// defaults it claims, and its Prometheus scrape config is valid YAML pointing at the metrics path.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { parse } from 'yaml';
import { observability, parseConfig } from '../../src/gateway/config/index.js';

const doc = readFileSync(new URL('../../docs/observability.md', import.meta.url), 'utf8');
const yamlBlocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);

it('the documented defaults are the defaults', () => {
  const block = yamlBlocks.find((b) => b.startsWith('logging:'))!;
  const config = parseConfig(`${block}servers: {}\n`, { format: 'yaml', env: {} });
  expect(config).toMatchObject(observability(parseConfig('servers: {}\n', { format: 'yaml', env: {} })));
});

it('the Prometheus scrape config is valid and scrapes /metrics', () => {
  const block = yamlBlocks.find((b) => b.startsWith('scrape_configs:'))!;
  const scrape = parse(block) as { scrape_configs: { job_name: string; metrics_path: string; static_configs: { targets: string[] }[] }[] };
  expect(scrape.scrape_configs[0]).toMatchObject({ job_name: 'mcplex', metrics_path: '/metrics', static_configs: [{ targets: ['127.0.0.1:7333'] }] });
});
