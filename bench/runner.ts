// One benchmark run: start the target fresh, read its idle RSS, run the load client in its own process for the
// given modes (and idle sessions), collect its RESULT and IDLE lines, and stop the target (and every descendant) by PID.
import { join } from 'node:path';
import type { IdleResult, IdleSpec } from './load/idle.js';
import type { ModeResult, ModeSpec } from './load/measure.js';
import { treeMemoryMb } from './load/proc.js';
import { Proc } from './targets/process.js';
import { type Era, ROOT, type TargetDef } from './targets/targets.js';

export interface RunRecord {
  target: string;
  era: '2025' | '2026';
  rep: number;
  startedAt: string;
  startMs: number;
  idleRssMb: number | null;
  peakHwmMb: number | null;
  modes: ModeResult[];
  /** Idle-sessions measurement, when the run asked for one. */
  idle?: IdleResult;
  serverAliveAfter: boolean | null;
  error?: string;
}

/** A generous upper bound on how long the client needs for `modes` (open, warm-up, window, drain, close). */
export function clientDeadlineMs(modes: ModeSpec[], idle?: IdleSpec): number {
  // Idle sessions: warm-up (≤ 15 s open + 15 s close), opening (giveUpMs + a last open's 2 requests), closing
  // (≤ 30 s), 3 readings.
  const idleMs = idle ? 30_000 + idle.giveUpMs + 2_000 + 30_000 + 3 * (idle.settleMs + 500) : 0;
  return modes.reduce((sum, m) => sum + m.warmupMaxMs + m.windowMs + 20_000 + m.sessions * 500, 30_000 + idleMs);
}

export async function runOnce(target: TargetDef, era: Era, modes: ModeSpec[], rep: number, idle?: IdleSpec): Promise<RunRecord> {
  const record: RunRecord = {
    target: target.id,
    era: era === 'legacy' ? '2025' : '2026',
    rep,
    startedAt: new Date().toISOString(),
    startMs: 0,
    idleRssMb: null,
    peakHwmMb: null,
    modes: [],
    serverAliveAfter: null,
  };
  const t0 = performance.now();
  let server: Proc | undefined;
  try {
    const started = await target.start(era);
    server = started.proc;
    record.startMs = Math.round(performance.now() - t0);
    if (server) {
      await new Promise((r) => setTimeout(r, 300));
      record.idleRssMb = treeMemoryMb([server.pid]).rssMb;
    }
    const deadlineMs = clientDeadlineMs(modes, idle);
    const plan = { target: started.load, modes, deadlineMs, ...(idle && { idle }) };
    const client = new Proc(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/load/main.ts'), JSON.stringify(plan)], { cwd: ROOT });
    const exit = new Promise<number | null>((r) => client.child.once('exit', (code) => r(code)));
    let out = '';
    client.child.stdout!.on('data', (d: string) => {
      out += d;
      let nl = out.indexOf('\n');
      while (nl !== -1) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        if (line.startsWith('RESULT ')) record.modes.push(JSON.parse(line.slice(7)) as ModeResult);
        else if (line.startsWith('IDLE ')) record.idle = JSON.parse(line.slice(5)) as IdleResult;
        nl = out.indexOf('\n');
      }
    });
    const code = await Promise.race([exit, new Promise<'late'>((r) => setTimeout(() => r('late'), deadlineMs + 5000).unref())]);
    if (code === 'late' || client.alive) await client.stop(1000);
    if (code !== 0) record.error = `load client exited with ${code}: ${client.stderr().slice(-1500)}`;
    else if (record.idle?.error) record.error = record.idle.error;
    const hwm = record.modes.map((m) => m.treeHwmMb);
    if (hwm.length > 0) record.peakHwmMb = Math.max(...hwm, server ? treeMemoryMb([server.pid]).hwmMb : 0);
    record.serverAliveAfter = server ? server.alive : null;
  } catch (err) {
    record.error = (err as Error).message;
  } finally {
    await server?.stop();
  }
  return record;
}
