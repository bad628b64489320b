// The load client process: `node --import tsx bench/load/main.ts '<json plan>'`. Prints one `RESULT {json}`
// line per mode (and one `IDLE {json}` line for idle sessions) and exits; a hard deadline ends it (code 3)
// whatever happens.
import { agent } from './http-rpc.js';
import { type LoadPlan, runPlan } from './client.js';

const plan = JSON.parse(process.argv[2] ?? '{}') as LoadPlan;
setTimeout(() => {
  process.stderr.write('load client: hard deadline reached\n');
  process.exit(3);
}, plan.deadlineMs).unref();

runPlan(
  plan,
  (r) => process.stdout.write(`RESULT ${JSON.stringify(r)}\n`),
  (r) => process.stdout.write(`IDLE ${JSON.stringify(r)}\n`),
).then(
  () => {
    agent.destroy();
    process.exit(0);
  },
  (err) => {
    process.stderr.write(`load client failed: ${(err as Error).stack}\n`);
    process.exit(1);
  },
);
