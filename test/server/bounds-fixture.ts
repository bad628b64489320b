// Shared by the bounds tests: a logger whose lines can be awaited, and the demo server with tools that flood
// their caller with logs, hold until released, or return what cannot be serialised.
import { z } from 'zod';
import type { Logger } from '../../src/core/index.js';
import type { McplexServer } from '../../src/index.js';
import { buildDemoServer } from '../fixtures/demo-server.js';

export interface Line {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: Record<string, unknown>;
  msg: string;
}

export interface WatchLog extends Logger {
  readonly lines: Line[];
  /** The first line (past or future) at `level` whose message contains `text`. */
  next(level: Line['level'], text: string): Promise<Line>;
}

export function watchLog(): WatchLog {
  const lines: Line[] = [];
  const waiters: Array<{ match: (l: Line) => boolean; resolve: (l: Line) => void }> = [];
  const at = (level: Line['level']) => (obj: unknown, msg?: string) => {
    const line = { level, obj: (obj ?? {}) as Record<string, unknown>, msg: msg ?? '' };
    lines.push(line);
    for (const w of [...waiters]) {
      if (w.match(line)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  };
  const log: WatchLog = {
    lines,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: () => log,
    next(level, text) {
      const match = (l: Line) => l.level === level && l.msg.includes(text);
      const seen = lines.find(match);
      return seen ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({ match, resolve }));
    },
  };
  return log;
}

/** A latch a test opens by hand. */
export function latch(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

export interface BoundsServer {
  server: McplexServer;
  /** Resolves when a `flood` call has sent all its logs (with how many it sent). */
  flooded: Promise<number>;
  /** Resolves once `n` hold calls have started; `release` lets all of them answer. */
  onHold: (n: number) => Promise<void>;
  release: () => void;
}

export function boundsServer(log: Logger): BoundsServer {
  const server = buildDemoServer({ logger: log });
  const floodDone = latch();
  let floodCount = 0;
  server.tool('flood', { description: 'Logs `count` messages of `kib` KiB', input: z.object({ count: z.number().int(), kib: z.number().int() }) }, async ({ count, kib }, ctx) => {
    const chunk = 'x'.repeat(kib * 1024);
    for (let i = 0; i < count; i++) await ctx.log('info', { i, chunk });
    floodCount = count;
    floodDone.open();
    return `flooded ${count}`;
  });
  const released = latch();
  let holding = 0;
  const holdWaiters: Array<{ n: number; resolve: () => void }> = [];
  server.tool('hold', { description: 'Answers once released' }, async () => {
    holding++;
    for (const w of holdWaiters.filter((x) => holding >= x.n)) w.resolve();
    await released.promise;
    return 'released';
  });
  server.tool('circular', { description: 'Returns a circular structure' }, () => {
    const loop: Record<string, unknown> = { name: 'loop' };
    loop.self = loop;
    return { content: [{ type: 'text', text: 'circular' }], structuredContent: { loop } };
  });
  server.tool('deep', { description: 'Returns structured content nested 200 000 levels deep' }, () => {
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 200_000; i++) deep = { d: deep };
    return { content: [{ type: 'text', text: 'deep' }], structuredContent: { deep } };
  });
  return {
    server,
    flooded: floodDone.promise.then(() => floodCount),
    onHold: (n) => (holding >= n ? Promise.resolve() : new Promise((resolve) => holdWaiters.push({ n, resolve }))),
    release: released.open,
  };
}
