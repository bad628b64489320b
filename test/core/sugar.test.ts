// Sugar helpers: onCallTool/onReadResource/onGetPrompt only run for their method; onList filters list results
// and the same predicate used with onCallTool refuses the hidden item.
import { describe, expect, it } from 'vitest';
import {
  type CallContext,
  compose,
  ContextState,
  ErrorCode,
  type McpResult,
  type Middleware,
  onCallTool,
  onGetPrompt,
  onList,
  onReadResource,
  stateKey,
  WireError,
} from '../../src/core/index.js';
import { makeCtx } from './helpers.js';

const TOOLS = [{ name: 'public.echo' }, { name: 'admin.drop' }, { name: 'public.add' }];
const terminal = async (ctx: CallContext): Promise<McpResult> => {
  if (ctx.method === 'tools/list') return { tools: TOOLS, nextCursor: 'c1' };
  if (ctx.method === 'tools/call') return { content: [{ type: 'text', text: `ran ${ctx.target}` }] };
  return { method: ctx.method };
};

function recorder(): { mw: Middleware; seen: string[] } {
  const seen: string[] = [];
  return {
    seen,
    mw: async (ctx, next) => {
      seen.push(`${ctx.method}:${ctx.target ?? ''}`);
      return next();
    },
  };
}

describe('method-scoped sugar', () => {
  const cases = [
    ['onCallTool', onCallTool, 'tools/call'],
    ['onReadResource', onReadResource, 'resources/read'],
    ['onGetPrompt', onGetPrompt, 'prompts/get'],
  ] as const;
  const methods = ['tools/call', 'tools/list', 'resources/read', 'prompts/get', 'completion/complete'];
  for (const [name, sugar, method] of cases) {
    it(`${name} runs only for ${method}`, async () => {
      const { mw, seen } = recorder();
      const run = compose([sugar(mw)], terminal);
      for (const m of methods) await run(makeCtx({ method: m, target: 'x' }));
      expect(seen).toEqual([`${method}:x`]);
    });
  }

  it('onCallTool passes other methods straight through to next()', async () => {
    const refuse = onCallTool(async () => {
      throw new WireError(ErrorCode.Forbidden, 'no');
    });
    const run = compose([refuse], terminal);
    await expect(run(makeCtx({ method: 'tools/list' }))).resolves.toMatchObject({ tools: TOOLS });
    await expect(run(makeCtx({ method: 'tools/call', target: 'public.echo' }))).rejects.toMatchObject({ code: ErrorCode.Forbidden });
  });
});

describe('onList', () => {
  const isPublic = (item: { name: string }) => item.name.startsWith('public.');

  it('filters the items of the matching list and keeps other fields (nextCursor)', async () => {
    const run = compose([onList<{ name: string }>('tools', isPublic)], terminal);
    const result = await run(makeCtx({ method: 'tools/list' }));
    expect(result).toEqual({ tools: [{ name: 'public.echo' }, { name: 'public.add' }], nextCursor: 'c1' });
  });

  it('does not touch other methods', async () => {
    const run = compose([onList<{ name: string }>('prompts', () => false)], terminal);
    const result = await run(makeCtx({ method: 'tools/list' }));
    expect(result.tools).toEqual(TOOLS);
  });

  it('supports async predicates that read the context', async () => {
    const ROLE = stateKey<string>('role');
    const run = compose(
      [
        async (ctx, next) => {
          ctx.state.set(ROLE, 'admin');
          return next();
        },
        onList<{ name: string }>('tools', async (item, ctx) => ctx.state.get(ROLE) === 'admin' || isPublic(item)),
      ],
      terminal,
    );
    const result = await run(makeCtx({ method: 'tools/list' }));
    expect(result.tools).toEqual(TOOLS);
  });

  it('leaves a result without the list key alone', async () => {
    const run = compose([onList('resources', () => false)], async () => ({ other: 1 }));
    await expect(run(makeCtx({ method: 'resources/list' }))).resolves.toEqual({ other: 1 });
  });

  it('maps each kind to its list method (resourceTemplates → resources/templates/list)', async () => {
    const run = compose([onList('resourceTemplates', () => false)], async () => ({ resourceTemplates: [{ uriTemplate: 'a://{x}' }] }));
    await expect(run(makeCtx({ method: 'resources/templates/list' }))).resolves.toEqual({ resourceTemplates: [] });
    await expect(run(makeCtx({ method: 'resources/list' }))).resolves.toEqual({ resourceTemplates: [{ uriTemplate: 'a://{x}' }] });
  });

  it('the same predicate hides in tools/list and refuses in tools/call', async () => {
    const policy = (name: string) => name.startsWith('public.');
    const run = compose(
      [
        onList<{ name: string }>('tools', (t) => policy(t.name)),
        onCallTool(async (ctx, next) => {
          if (!policy(ctx.target ?? '')) throw new WireError(ErrorCode.Forbidden, `Tool not allowed: ${ctx.target}`);
          return next();
        }),
      ],
      terminal,
    );
    const listed = ((await run(makeCtx({ method: 'tools/list' }))).tools as Array<{ name: string }>).map((t) => t.name);
    expect(listed).toEqual(['public.echo', 'public.add']);
    await expect(run(makeCtx({ method: 'tools/call', target: 'public.echo' }))).resolves.toMatchObject({
      content: [{ text: 'ran public.echo' }],
    });
    await expect(run(makeCtx({ method: 'tools/call', target: 'admin.drop' }))).rejects.toMatchObject({
      code: ErrorCode.Forbidden,
      message: 'Tool not allowed: admin.drop',
    });
  });
});

describe('ContextState', () => {
  it('stores typed values per key identity, not per name', () => {
    const a = stateKey<number>('same');
    const b = stateKey<number>('same');
    const state = new ContextState();
    state.set(a, 1);
    expect(state.get(a)).toBe(1);
    expect(state.has(b)).toBe(false);
    expect(state.get(b)).toBeUndefined();
  });
});
