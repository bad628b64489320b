// docs/auth.md's framework example (examples/auth-server.ts) runs as a real process: the SDK client with the API
// key is served as its principal in both eras, a scope guards one tool, and a client without the key is refused.
import { afterAll, expect, it } from 'vitest';
import { newApiKey } from '../../src/index.js';
import { killStarted, spawnTs, waitForLine } from '../helpers/process.js';
import { connectWith } from '../middleware/auth-fixture.js';

afterAll(() => killStarted());

it('examples/auth-server.ts serves key holders and refuses everyone else', async () => {
  const { key } = newApiKey();
  const { child } = spawnTs('examples/auth-server.ts', [], { env: { PORT: '0', API_KEY: key }, stdin: 'ignore' });
  const listening = /listening on (\S+)/;
  const url = listening.exec(await waitForLine(child.stdout!, (l) => listening.test(l), 30_000))![1]!;
  for (const era of ['legacy', 'modern'] as const) {
    const client = await connectWith(url, era, { authorization: `Bearer ${key}` });
    const who = await client.callTool({ name: 'whoami', arguments: {} });
    expect((who.content as Array<{ text: string }>)[0]?.text).toBe('demo-user (apiKey, tenant demo)');
    const del = await client.callTool({ name: 'delete', arguments: { id: 'n1' } });
    expect(del).toMatchObject({ isError: true, content: [{ type: 'text', text: 'delete needs the notes:write scope' }] });
    await client.close();
    await expect(connectWith(url, era, {})).rejects.toThrow();
  }
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
}, 60_000);
