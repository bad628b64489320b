// A task the gateway runs is announced to its caller once its record is in (replicas: the claim in the shared
// directory), whether it is announced at once (`immediateMs: 0`) or when its first window is over: the caller's
// next tasks/get, tasks/update or tasks/cancel may reach any replica.
import { describe, expect, it } from 'vitest';
import type { GatewayConfig } from '../../src/gateway/config/index.js';
import { GatewayTasks } from '../../src/gateway/gateway-tasks.js';
import { silentLogger } from '../../src/index.js';
import type { McpResult } from '../../src/core/index.js';
import { makeCtx } from '../core/helpers.js';

/** Work that runs until its task is cancelled. */
const untilCancelled = (bg: { signal: AbortSignal }) => new Promise<McpResult>((_, reject) => bg.signal.addEventListener('abort', () => reject(bg.signal.reason), { once: true }));

describe('a gateway task is announced once recorded', () => {
  for (const immediateMs of [0, 30]) {
    it(`immediateMs ${immediateMs}: the CreateTaskResult waits for the onCreated listeners`, async () => {
      const tasks = new GatewayTasks(() => ({ tasks: {} }) as unknown as GatewayConfig, silentLogger);
      let record: () => void = () => {};
      tasks.registry.onCreated(() => new Promise<void>((resolve) => (record = resolve)));
      let answered = false;
      const answer = Promise.resolve(tasks.start(makeCtx({ era: 'modern', target: 'slow' }), 'up', { support: 'optional', immediateMs }, untilCancelled)).then((r) => {
        answered = true;
        return r;
      });
      await new Promise((r) => setTimeout(r, immediateMs + 100));
      expect(answered).toBe(false);
      record();
      const created = await answer;
      expect(created).toMatchObject({ resultType: 'task', status: 'working' });
      expect(tasks.report().map((t) => t.taskId)).toEqual([created.taskId]);
      tasks.close();
    });
  }
});
