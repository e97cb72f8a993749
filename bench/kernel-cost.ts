// What the kernel charges a measurement: a process's CPU time split into user and system, and the machine's cross-CPU wake-ups.
import { readFileSync } from 'node:fs';

/** CPU seconds a process (every thread) has used so far. */
export interface CpuTimes {
  user: number;
  system: number;
}

/** utime and stime of a /proc/<pid>/stat line, in seconds. */
export function parseProcStat(text: string): CpuTimes {
  // NOTE: the command name (field 2) may hold spaces and parentheses; the fields after its last ')' are fixed.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // NOTE: fields 14 and 15 of the line, in USER_HZ ticks (100 on Linux).
  return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 };
}

/** A process's CPU times so far; NaN where /proc is not there or the process is gone. */
export function cpuTimes(pid: number | undefined): CpuTimes {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return { user: NaN, system: NaN };
  }
}

/**
 * Interrupts one core sends another to wake a task there, summed over every core: "function call" (CAL, how
 * Linux queues a remote wake-up) and "rescheduling" (RES) interrupts of /proc/interrupts; NaN without both rows.
 * NOTE: on loopback, the server's write wakes the load generator on the other core. In a VM each such interrupt
 * is a trap to the hypervisor; in run Z's iris rounds a bare route's answers, written one by one, woke wrk
 * 0.70-0.87 times a request and cost the route 26-38 µs of kernel time a request, onnx-serve's, written a batch
 * at a time, 0.08-0.19 times and 10-17 µs. The counts say how much of a ratio is that host's price of a wake-up.
 */
export function parseWakeups(text: string): number {
  let total = 0;
  let rows = 0;
  for (const line of text.split('\n')) {
    const [label, ...counts] = line.trim().split(/\s+/);
    if (label !== 'CAL:' && label !== 'RES:') continue;
    rows++;
    for (const count of counts) {
      if (!/^\d+$/.test(count)) break;
      total += Number(count);
    }
  }
  return rows === 2 ? total : NaN;
}

/** The machine's cross-CPU wake-up interrupts so far (see parseWakeups). */
export function wakeupInterrupts(): number {
  try {
    return parseWakeups(readFileSync('/proc/interrupts', 'utf8'));
  } catch {
    return NaN;
  }
}
