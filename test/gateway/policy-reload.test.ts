// A config reload applies the new `policy:` section to the running gateway: limits appear, disappear and come
// back without a restart, and the connected client keeps its session throughout.
import { afterAll, expect, it } from 'vitest';
import { parseConfig } from '../../src/gateway/config/index.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { ErrorCode, type HttpHandle, silentLogger } from '../../src/index.js';
import { connectAs, failure } from '../middleware/policy-fixture.js';

const LISTEN = 'listen: { host: 127.0.0.1, port: 0, path: /mcp }\nservers: {}\n';
const LIMITED = `${LISTEN}policy:\n  rateLimits: [{ per: [principal], limit: 1, windowMs: 600000, methods: [tools/list] }]\n`;
const config = (text: string) => parseConfig(text, { format: 'yaml' });

let gateway: Gateway | undefined;
let handle: HttpHandle | undefined;
afterAll(async () => {
  await handle?.close();
  await gateway?.close();
});

it('reload replaces the policy stages of a running gateway', async () => {
  gateway = new Gateway(config(LIMITED), { logger: silentLogger });
  await gateway.start();
  handle = await gateway.serveHttp({ port: 0 });
  const client = await connectAs(handle.url, 'legacy');
  try {
    expect(await failure(client.listTools())).toBeUndefined();
    expect(await failure(client.listTools())).toMatchObject({ code: ErrorCode.RateLimited });

    await gateway.reload(config(LISTEN));
    for (let i = 0; i < 3; i++) expect(await failure(client.listTools())).toBeUndefined();

    await gateway.reload(config(LIMITED));
    expect(await failure(client.listTools())).toBeUndefined();
    expect(await failure(client.listTools())).toMatchObject({ code: ErrorCode.RateLimited });
  } finally {
    await client.close();
  }
});
