// The README's framework example: a tool with typed input, a middleware, served over Streamable HTTP.
// Run: npx tsx examples/quickstart.ts   (PORT=0 picks a free port)
import { createServer, onCallTool } from 'mcplex';
import { z } from 'zod';

const server = createServer({ name: 'weather', version: '1.0.0' });

server.tool(
  'forecast',
  {
    description: 'Tomorrow’s forecast for a city',
    input: z.object({ city: z.string().describe('City name') }),
    output: z.object({ city: z.string(), tempC: z.number() }),
  },
  async ({ city }, ctx) => {
    await ctx.progress(1, 1, `looked up ${city}`);
    return { structuredContent: { city, tempC: 21 } };
  },
);

// Every request goes through the pipeline; this one logs each tool call and how long it took.
server.use(
  onCallTool(async (ctx, next) => {
    const started = performance.now();
    const result = await next();
    ctx.log.info({ tool: ctx.target, ms: performance.now() - started }, 'tool called');
    return result;
  }),
);

const handle = await server.serveHttp({ port: Number(process.env.PORT ?? 3000) });
console.log(`listening on ${handle.url}`);
process.on('SIGTERM', () => handle.close().then(() => process.exit(0)));
