// The objects built for every request are plain fast-property objects. An object literal with a getter (what these
// were) becomes a dictionary-mode object in V8: ≈ 15× slower to make, and each one survived young-generation
// collections, so every request was promoted to the old generation (bench/README.md, "GC"). V8 tells which is
// which only with --allow-natives-syntax, so a child node process builds them and reports.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const SCRIPT = `
const { buildCallContext } = await import('./src/server/call-context.ts');
const { handlerContext } = await import('./src/server/handler-context.ts');
const { requestInfo } = await import('./src/server/http/request-info.ts');
const { silentLogger } = await import('./src/core/index.ts');
const source = (rid) => ({ method: 'tools/call', target: 'echo', params: {}, era: 'legacy', meta: {}, signal: new AbortController().signal, rid });
const call = buildCallContext(silentLogger, source(1));
call.log;
const handler = handlerContext(call, { mcpReq: {} }, {});
const view = requestInfo({ headers: { host: 'x' } });
view.headers;
const literal = (() => { let cached; return { a: 1, get b() { return (cached ??= {}); } }; })();
process.stdout.write(JSON.stringify({
  call: %HasFastProperties(call),
  sameShape: %HaveSameMap(call, buildCallContext(silentLogger, source(2))),
  handler: %HasFastProperties(handler),
  view: %HasFastProperties(view),
  literalWithGetter: %HasFastProperties(literal),
}));
`;

describe('per-request objects', () => {
  it('are fast-property objects of one shape, unlike an object literal with a getter', () => {
    const out = execFileSync(process.execPath, ['--allow-natives-syntax', '--import', 'tsx', '--input-type=module', '-e', SCRIPT], { encoding: 'utf8', timeout: 30_000 });
    expect(JSON.parse(out)).toEqual({ call: true, sameShape: true, handler: true, view: true, literalWithGetter: false });
  });
});
