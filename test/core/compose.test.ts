// compose(): onion order, the next()-twice and missing-result guards, short-circuits, and errors at each depth.
// Pure unit tests over CallContext; no SDK, no transport.
import { describe, expect, it } from 'vitest';
import { type CallContext, compose, ErrorCode, type McpResult, type Middleware, WireError } from '../../src/core/index.js';
import { makeCtx } from './helpers.js';

const ok = (tag: string) => async (): Promise<McpResult> => ({ tag });

describe('compose', () => {
  it('runs middlewares as an onion: before in order, after in reverse', async () => {
    const trace: string[] = [];
    const mw =
      (name: string): Middleware =>
      async (_ctx, next) => {
        trace.push(`${name}:before`);
        const r = await next();
        trace.push(`${name}:after`);
        return r;
      };
    const run = compose([mw('a'), mw('b'), mw('c')], async () => {
      trace.push('handler');
      return { done: true };
    });
    await expect(run(makeCtx())).resolves.toEqual({ done: true });
    expect(trace).toEqual(['a:before', 'b:before', 'c:before', 'handler', 'c:after', 'b:after', 'a:after']);
  });

  it('calls the handler directly when there are no middlewares', async () => {
    await expect(compose([], ok('h'))(makeCtx())).resolves.toEqual({ tag: 'h' });
  });

  it('lets a middleware rewrite the result on the way out', async () => {
    const run = compose([async (_c, next) => ({ ...(await next()), wrapped: true })], ok('h'));
    await expect(run(makeCtx())).resolves.toEqual({ tag: 'h', wrapped: true });
  });

  it('shares the context (and its state) between middlewares and the handler', async () => {
    let seen: CallContext | undefined;
    const run = compose(
      [
        async (ctx, next) => {
          ctx.principal = { ...ctx.principal, id: 'alice' };
          return next();
        },
      ],
      async (ctx) => {
        seen = ctx;
        return { who: ctx.principal.id };
      },
    );
    const ctx = makeCtx();
    await expect(run(ctx)).resolves.toEqual({ who: 'alice' });
    expect(seen).toBe(ctx);
  });

  it('rejects when a middleware calls next() twice, naming the middleware', async () => {
    let handlerRuns = 0;
    const twice: Middleware = async (_c, next) => {
      await next();
      return next();
    };
    const run = compose([async (_c, next) => next(), twice], async () => {
      handlerRuns++;
      return {};
    });
    const err = await run(makeCtx()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WireError);
    expect((err as WireError).code).toBe(ErrorCode.InternalError);
    expect((err as WireError).message).toBe('middleware #1 called next() more than once');
    expect(handlerRuns).toBe(1);
  });

  it('rejects next() twice even when the calls are concurrent', async () => {
    const run = compose([async (_c, next) => (await Promise.all([next(), next()]))[0]!], ok('h'));
    await expect(run(makeCtx())).rejects.toThrow(/called next\(\) more than once/);
  });

  it('rejects with a clear message when a middleware forgets to return next()', async () => {
    const forgetful = async function forgetful(_c: CallContext, next: () => Promise<McpResult>) {
      await next();
    } as unknown as Middleware;
    const err = await compose([async (_c, next) => next(), forgetful], ok('h'))(makeCtx()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WireError);
    expect((err as WireError).code).toBe(ErrorCode.InternalError);
    expect((err as WireError).message).toBe('middleware #1 (forgetful) returned no result; did it forget to return next()?');
  });

  it('names the handler when the handler returns nothing', async () => {
    const run = compose([], (async () => undefined) as unknown as () => Promise<McpResult>);
    await expect(run(makeCtx())).rejects.toThrow('handler returned no result; did it forget to return next()?');
  });

  it('rejects a non-object result (e.g. a string) the same way', async () => {
    const run = compose([(async () => 'oops') as unknown as Middleware], ok('h'));
    await expect(run(makeCtx())).rejects.toThrow(/middleware #0 returned no result/);
  });

  it('short-circuits: a middleware that does not call next() skips the rest and the handler', async () => {
    const reached: string[] = [];
    const run = compose(
      [
        async () => ({ cached: true }),
        async (_c, next) => {
          reached.push('second');
          return next();
        },
      ],
      async () => {
        reached.push('handler');
        return {};
      },
    );
    await expect(run(makeCtx())).resolves.toEqual({ cached: true });
    expect(reached).toEqual([]);
  });

  describe('errors thrown at each depth reach the caller and unwind outer middlewares', () => {
    const depths = ['outer', 'inner', 'handler'] as const;
    for (const where of depths) {
      it(`thrown in ${where}`, async () => {
        const unwound: string[] = [];
        const boom = new Error(`boom in ${where}`);
        const layer =
          (name: string): Middleware =>
          async (_c, next) => {
            if (where === name) throw boom;
            try {
              return await next();
            } finally {
              unwound.push(name);
            }
          };
        const run = compose([layer('outer'), layer('inner')], async () => {
          if (where === 'handler') throw boom;
          return {};
        });
        await expect(run(makeCtx())).rejects.toBe(boom);
        const expected = { outer: [], inner: ['outer'], handler: ['inner', 'outer'] }[where];
        expect(unwound).toEqual(expected);
      });
    }

    it('an outer middleware can catch an inner error and recover', async () => {
      const run = compose(
        [
          async (_c, next) => {
            try {
              return await next();
            } catch (e) {
              return { recovered: (e as Error).message };
            }
          },
        ],
        async () => {
          throw new Error('deep');
        },
      );
      await expect(run(makeCtx())).resolves.toEqual({ recovered: 'deep' });
    });
  });

  it('a middleware that throws synchronously still yields a rejected promise', async () => {
    const sync = (() => {
      throw new Error('sync boom');
    }) as unknown as Middleware;
    const run = compose([sync], ok('h'));
    let result: Promise<McpResult> | undefined;
    expect(() => {
      result = run(makeCtx());
    }).not.toThrow();
    await expect(result).rejects.toThrow('sync boom');
  });

  it('is reusable: each run gets its own next() bookkeeping', async () => {
    const run = compose([async (_c, next) => next()], ok('h'));
    await expect(run(makeCtx())).resolves.toEqual({ tag: 'h' });
    await expect(run(makeCtx())).resolves.toEqual({ tag: 'h' });
  });
});
