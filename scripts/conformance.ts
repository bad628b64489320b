// `npm run conformance`: starts the mcplex conformance fixture, runs the official suite (active + pending)
// against it under Node 22, prints one line per scenario and exits non-zero unless all 30 active scenarios pass.
// `--url <url> [--label <name>]` runs against an already running server (e.g. a gateway) instead of the fixture.
import { startFixture } from '../test/conformance/fixture-process.js';
import { checkConformance, formatReport } from '../test/conformance/gate.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<number> {
  const external = arg('--url');
  const fixture = external ? undefined : await startFixture();
  try {
    const url = external ?? fixture!.url;
    const label = arg('--label') ?? (external ? 'external' : 'fixture');
    console.log(`conformance: ${label} at ${url}${fixture ? ` (fixture pid ${fixture.pid})` : ''}`);
    const outcome = await checkConformance({ url, label, suites: ['active', 'pending'] });
    console.log(formatReport(label, outcome));
    for (const run of outcome.runs) console.log(`results (${run.suite}, CLI exit ${run.exitCode}): ${run.outDir}`);
    if (!outcome.ok) {
      const active = outcome.runs.find((r) => r.suite === 'active');
      if (active) console.error(`--- conformance CLI output (active, tail) ---\n${active.log.slice(-8000)}`);
      if (fixture) console.error(`--- fixture stderr (tail) ---\n${fixture.stderr().slice(-4000)}`);
    }
    return outcome.ok ? 0 : 1;
  } finally {
    await fixture?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error('conformance: error:', err);
    process.exit(2);
  },
);
