// `npm run conformance`: the official suite 0.2.0-alpha.12 (Node 22; 2025-11-25 and 2026-07-28 requirements, plus skills)
// against the fixture, then the gateway in front of it over HTTP and over stdio; exits non-zero unless every gate passes.
// `--url <url> [--label <name>]` runs one external server (gated without known failures).
import { startFixture } from '../test/conformance/fixture-process.js';
import type { TargetKind } from '../test/conformance/scenarios.js';
import { checkConformance, formatReport } from '../test/conformance/gate.js';
import { type FixtureLink, startGatewayOverFixture } from '../test/gateway/helpers/conformance-gateway.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

interface Target {
  url: string;
  label: string;
  kind: TargetKind;
  describe: string;
  stderr?: () => string;
  stop(): Promise<void>;
}

/** Runs both revisions and the skills scenarios against one target and prints its report; true when the gate passes. */
async function run(target: Target): Promise<boolean> {
  console.log(`conformance: ${target.label} at ${target.url}${target.describe}`);
  const outcome = await checkConformance(target.kind, { url: target.url, label: target.label });
  console.log(formatReport(target.label, outcome));
  for (const r of outcome.runs) console.log(`results (${r.run}, CLI exit ${r.exitCode}): ${r.outDir}`);
  if (!outcome.ok) {
    for (const r of outcome.runs) console.error(`--- conformance CLI output (${target.label}, ${r.run}, tail) ---\n${r.log.slice(-4000)}`);
    if (target.stderr) console.error(`--- fixture stderr (tail) ---\n${target.stderr().slice(-4000)}`);
  }
  return outcome.ok;
}

async function direct(): Promise<Target> {
  const fixture = await startFixture();
  return { url: fixture.url, label: 'fixture', kind: 'fixture', describe: ` (fixture pid ${fixture.pid})`, stderr: fixture.stderr, stop: () => fixture.stop() };
}

const gateway = (link: FixtureLink) => async (): Promise<Target> => {
  const g = await startGatewayOverFixture(link);
  const behind = g.fixture ? `fixture ${g.fixture.url}, pid ${g.fixture.pid}` : 'fixture over stdio, 2025 era';
  return { url: g.url, label: `gateway-${link}`, kind: `gateway-${link}`, describe: ` (${behind}, behind it)`, ...(g.fixture && { stderr: g.fixture.stderr }), stop: () => g.close() };
};

async function main(): Promise<number> {
  const external = arg('--url');
  const plan: Array<() => Promise<Target>> = external
    ? [async () => ({ url: external, label: arg('--label') ?? 'external', kind: 'external', describe: '', stop: async () => {} })]
    : [direct, gateway('http'), gateway('stdio')];
  const verdicts: Array<[string, boolean]> = [];
  for (const start of plan) {
    const target = await start();
    try {
      verdicts.push([target.label, await run(target)]);
    } finally {
      await target.stop();
    }
  }
  console.log(`conformance: ${verdicts.map(([label, ok]) => `${label} ${ok ? 'OK' : 'FAILED'}`).join(', ')}`);
  return verdicts.every(([, ok]) => ok) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error('conformance: error:', err);
    process.exit(2);
  },
);
