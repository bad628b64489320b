// A tool that takes a while, as a task (the 2026-07-28 tasks extension): a client that declares the extension gets
// a task at once and polls it (tasks/get), sees its progress, answers its question (tasks/update) or cancels it
// (tasks/cancel); any other client gets the answer when the work is done, as with any tool.
// Run: npx tsx examples/long-task.ts   (PORT=0 picks a free port)
import { createServer } from 'mcplex';
import { z } from 'zod';

const server = createServer({ name: 'reindexer', version: '1.0.0', tasks: { ttlMs: 15 * 60_000 } });

server.tool(
  'reindex',
  { description: 'Rebuilds the search index of a collection', input: z.object({ collection: z.string(), batches: z.number().int().min(1).max(100) }), task: 'optional' },
  async ({ collection, batches }, ctx) => {
    for (let done = 1; done <= batches; done++) {
      // Cancelling the task aborts the signal: stop between batches.
      if (ctx.signal.aborted) throw ctx.signal.reason;
      await new Promise((resolve) => setTimeout(resolve, 100));
      await ctx.progress(done, batches, `${collection}: batch ${done} of ${batches}`);
    }
    // As a task, the question waits in tasks/get until the client answers it with tasks/update.
    const swap = await ctx.elicit(`Index of ${collection} rebuilt. Swap it in now?`, z.object({ swap: z.boolean() }));
    return swap.action === 'accept' && swap.content.swap ? `${collection}: new index live` : `${collection}: new index kept aside`;
  },
);

const handle = await server.serveHttp({ port: Number(process.env.PORT ?? 3000) });
console.log(`listening on ${handle.url}`);
process.on('SIGTERM', () => {
  server.tasks.close();
  void handle.close().then(() => process.exit(0));
});
