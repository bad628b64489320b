// The README's framework example (examples/quickstart.ts) runs as a real process and does what the README says.
import { type ChildProcess, spawn } from 'node:child_process';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, expect, it } from 'vitest';

let child: ChildProcess | undefined;
afterAll(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
});

it('examples/quickstart.ts serves the forecast tool with structured output and progress', async () => {
  child = spawn(process.execPath, ['--import', 'tsx', 'examples/quickstart.ts'], { env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('example did not start within 20 s')), 20_000);
    child!.stdout!.on('data', (d: Buffer) => {
      const m = /listening on (\S+)/.exec(String(d));
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
  });
  const client = new Client({ name: 't', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  const progress: number[] = [];
  const result = await client.callTool({ name: 'forecast', arguments: { city: 'Lisbon' } }, { onprogress: (p) => progress.push(p.progress) });
  expect(result.structuredContent).toEqual({ city: 'Lisbon', tempC: 21 });
  expect(progress).toEqual([1]);
  await client.close();
  const exited = new Promise((r) => child!.once('exit', r));
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
});
