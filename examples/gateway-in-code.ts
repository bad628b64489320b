// A gateway built in code: one upstream server, and a middleware that blocks one tool and logs every call
// with who made it. Every request passes the same pipeline a framework server runs.
import { ErrorCode, Gateway, onCallTool, parseConfig, WireError } from 'mcplex';

const config = parseConfig(
  `
servers:
  everything:
    command: npx
    args: [-y, "@modelcontextprotocol/server-everything"]
`,
  { format: 'yaml' },
);

const gateway = new Gateway(config).use(
  onCallTool(async (ctx, next) => {
    if (ctx.target === 'everything__get-env') throw new WireError(ErrorCode.Forbidden, 'get-env is disabled on this gateway');
    const result = await next();
    ctx.log.info({ tool: ctx.target, principal: ctx.principal.id, from: ctx.http?.remoteAddress }, 'tool called');
    return result;
  }),
);

await gateway.start();
const http = await gateway.serveHttp({ port: Number(process.env.PORT ?? 7334) });
console.log(`gateway listening on ${http.url}`);

process.once('SIGTERM', async () => {
  await http.close();
  await gateway.close(); // stops the upstream (stdin closed, then SIGTERM, then SIGKILL to its process group)
  process.exit(0);
});
