// The files of a new MCP server project (`mcplex new`): a framework server with one tool, its entry point (stdio,
// or HTTP when PORT is set), tests through the in-memory client in both eras, and a README that says how to run it,
// call it, and put it behind a desktop client or the gateway. Versions are the ones this mcplex is built and tested
// with.

export interface ProjectVersions {
  /** The dependency spec for mcplex: a version range, or where to install it from (`file:…` a tarball or checkout). */
  mcplex: string;
  zod: string;
  typescript: string;
  tsx: string;
  vitest: string;
  typesNode: string;
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

function packageJson(name: string, v: ProjectVersions): string {
  return json({
    name,
    version: '0.1.0',
    private: true,
    type: 'module',
    scripts: {
      build: 'tsc',
      start: 'node dist/main.js',
      dev: 'tsx src/main.ts',
      test: 'vitest run',
      tools: 'mcplex tools -- tsx src/main.ts',
    },
    engines: { node: '>=20' },
    dependencies: { mcplex: v.mcplex, zod: `^${v.zod}` },
    devDependencies: { '@types/node': `^${v.typesNode}`, tsx: `^${v.tsx}`, typescript: `^${v.typescript}`, vitest: `^${v.vitest}` },
  });
}

const TSCONFIG = json({
  compilerOptions: {
    target: 'ES2023',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    lib: ['ES2023'],
    types: ['node'],
    strict: true,
    outDir: 'dist',
    rootDir: 'src',
    declaration: true,
    skipLibCheck: true,
    verbatimModuleSyntax: true,
  },
  include: ['src'],
});

const serverTs = (name: string) => `// ${name}: an MCP server built with mcplex. Tools, resources and prompts are declared here; src/main.ts serves it.
import { createServer } from 'mcplex';
import { z } from 'zod';

export const server = createServer({ name: ${JSON.stringify(name)}, version: '0.1.0' });

server.tool(
  'greet',
  {
    description: 'Greets someone by name',
    input: z.object({ name: z.string().min(1).describe('Who to greet') }),
    annotations: { readOnlyHint: true },
  },
  ({ name }) => \`Hello, \${name}!\`,
);
`;

const MAIN_TS = `// Serves the server over stdio (what desktop clients and the mcplex gateway start), or over Streamable HTTP on
// 127.0.0.1 when PORT is set (PORT=0 picks a free port).
import { server } from './server.js';

const handle = process.env.PORT === undefined ? server.serveStdio() : await server.serveHttp({ port: Number(process.env.PORT) });
if ('url' in handle) console.error(\`listening on \${handle.url}\`);
const stop = () => void handle.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
`;

const TEST_TS = `// The server through the official SDK client, in process: the 2025-11-25 handshake and the stateless 2026-07-28 era.
import { connectInMemory } from 'mcplex';
import { describe, expect, it } from 'vitest';
import { server } from '../src/server.js';

for (const era of ['legacy', 'modern'] as const) {
  describe(\`greet (\${era} era)\`, () => {
    it('greets by name', async () => {
      const client = await connectInMemory(server, { era });
      try {
        const result = await client.callTool({ name: 'greet', arguments: { name: 'Ada' } });
        expect(result.content).toEqual([{ type: 'text', text: 'Hello, Ada!' }]);
      } finally {
        await client.close();
      }
    });

    it('answers bad arguments with an error naming the field', async () => {
      const client = await connectInMemory(server, { era });
      try {
        const result = await client.callTool({ name: 'greet', arguments: { name: '' } });
        expect(result.isError).toBe(true);
        expect(JSON.stringify(result.content)).toContain('name');
      } finally {
        await client.close();
      }
    });
  });
}
`;

/** The project's name as a gateway server name: without its scope, a dot made a dash. */
export const serverKeyOf = (name: string) => name.replace(/^@[^/]+\//, '').replaceAll('.', '-');

const readme = (name: string, dir: string) => `# ${name}

An MCP server built with [mcplex](https://www.npmjs.com/package/mcplex).

\`\`\`sh
npm install
npm test                  # the tools through the SDK client, in both protocol eras
npm run dev               # serve over stdio (PORT=3000 npm run dev: Streamable HTTP on 127.0.0.1:3000/mcp)
npm run tools             # list its tools
npx mcplex call greet name=Ada -- npx tsx src/main.ts
npm run build && npm start   # the compiled server
\`\`\`

Add tools, resources and prompts in \`src/server.ts\`; middleware (\`server.use(…)\`) runs on every request.

## In a desktop client

Claude Desktop (\`claude_desktop_config.json\`), Cursor (\`.cursor/mcp.json\`) and others take, after \`npm run build\`:

\`\`\`json
{ "mcpServers": { "${serverKeyOf(name)}": { "command": "node", "args": [${JSON.stringify(`${dir}/dist/main.js`)}] } } }
\`\`\`

## Behind the mcplex gateway

One endpoint for this and your other servers, with authentication, rate limits, audit, metrics and the rest
(\`mcplex.yaml\`):

\`\`\`yaml
servers:
  ${serverKeyOf(name)}: { command: node, args: [dist/main.js] }
\`\`\`

\`npx mcplex check -c mcplex.yaml --connect\` starts it once and lists what it serves; \`npx mcplex serve -c mcplex.yaml\`
serves it as \`${serverKeyOf(name)}__greet\` on http://127.0.0.1:7333/mcp.

While you work on it, run it from its source and let the gateway restart it on every save (its clients are told
the tool list changed):

\`\`\`yaml
servers:
  ${serverKeyOf(name)}: { command: npx, args: [tsx, src/main.ts], watch: ["src/**/*.ts"] }
\`\`\`
`;

const GITIGNORE = 'node_modules/\ndist/\n';

/** The project's files, by path relative to its directory. */
export function projectFiles(name: string, dir: string, versions: ProjectVersions): Record<string, string> {
  return {
    'package.json': packageJson(name, versions),
    'tsconfig.json': TSCONFIG,
    'src/server.ts': serverTs(name),
    'src/main.ts': MAIN_TS,
    'test/server.test.ts': TEST_TS,
    'README.md': readme(name, dir),
    '.gitignore': GITIGNORE,
  };
}
