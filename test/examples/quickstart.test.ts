// The README's framework example (examples/quickstart.ts) runs as a real process and does what the README says.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, expect, it } from 'vitest';
import { killStarted, spawnTs, waitForLine } from '../helpers/process.js';

afterAll(() => killStarted());

it('examples/quickstart.ts serves the forecast tool with structured output and progress', async () => {
  const { child } = spawnTs('examples/quickstart.ts', [], { env: { PORT: '0' }, stdin: 'ignore' });
  const listening = /listening on (\S+)/;
  const url = listening.exec(await waitForLine(child.stdout!, (l) => listening.test(l), 20_000))![1]!;
  const client = new Client({ name: 't', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  const progress: number[] = [];
  const result = await client.callTool({ name: 'forecast', arguments: { city: 'Lisbon' } }, { onprogress: (p) => progress.push(p.progress) });
  expect(result.structuredContent).toEqual({ city: 'Lisbon', tempC: 21 });
  expect(progress).toEqual([1]);
  await client.close();
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
});
