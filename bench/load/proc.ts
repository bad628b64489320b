// /proc readings for a process tree: CPU (utime+stime+cutime+cstime of every live member, so reaped children
// count through their parent) and memory (VmRSS / VmHWM summed over the tree). Linux only.
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ; 100 on every mainstream Linux

function stat(pid: number): { ppid: number; cpuTicks: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command, which is in parentheses and may contain spaces.
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // f[0] is field 3 (state): ppid is field 4, utime..cstime are fields 14..17.
    return { ppid: Number(f[1]), cpuTicks: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]) };
  } catch {
    return undefined;
  }
}

/** Every live process whose ancestry reaches one of `roots` (roots included). */
export function processTree(roots: number[]): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const s = stat(pid);
    if (!s) continue;
    const list = children.get(s.ppid) ?? [];
    list.push(pid);
    children.set(s.ppid, list);
  }
  const out: number[] = [];
  const queue = roots.filter((p) => stat(p) !== undefined);
  for (let i = 0; i < queue.length && i < 10_000; i++) {
    const pid = queue[i]!;
    out.push(pid);
    for (const c of children.get(pid) ?? []) queue.push(c);
  }
  return out;
}

/** CPU microseconds used so far by the tree under `roots`. */
export function treeCpuMicros(roots: number[]): number {
  let ticks = 0;
  for (const pid of processTree(roots)) ticks += stat(pid)?.cpuTicks ?? 0;
  return (ticks * 1e6) / TICKS_PER_SECOND;
}

/** CPU microseconds of the given processes themselves (with their reaped children), not their live descendants. */
export function processCpuMicros(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) ticks += stat(pid)?.cpuTicks ?? 0;
  return (ticks * 1e6) / TICKS_PER_SECOND;
}

function statusKb(pid: number, field: string): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Tree memory in MB: current resident set and the sum of each member's peak. */
export function treeMemoryMb(roots: number[]): { rssMb: number; hwmMb: number; processes: number } {
  const pids = processTree(roots);
  let rss = 0;
  let hwm = 0;
  for (const pid of pids) {
    rss += statusKb(pid, 'VmRSS');
    hwm += statusKb(pid, 'VmHWM');
  }
  return { rssMb: Math.round(rss / 102.4) / 10, hwmMb: Math.round(hwm / 102.4) / 10, processes: pids.length };
}

/** Busy and total jiffies of the whole machine, for a utilisation figure. */
export function machineTicks(): { busy: number; total: number } {
  const line = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const total = line.reduce((a, b) => a + b, 0);
  return { busy: total - (line[3] ?? 0) - (line[4] ?? 0), total };
}
