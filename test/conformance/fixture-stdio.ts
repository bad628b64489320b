// The conformance fixture as a 2025-era-only stdio server (the SDK's StdioServerTransport, one legacy instance):
// behind the gateway it exercises the direct stdio path to 2025-era upstreams (src/client/raw-lane.ts).
import { StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import { createFixtureServer } from './fixture-app.js';

await createFixtureServer().createProtocolServer('legacy').connect(new StdioServerTransport());
process.stdin.once('end', () => process.exit(0));
