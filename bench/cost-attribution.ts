// What share of a running server's CPU samples falls in the metrics and the monitoring code (and in one V8 slow path), read from perf's call stacks.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { output } from './processes.js';

/** Groups a sample is charged to when any frame of its call stack is in one of their files (or is their function). */
export const COST_GROUPS = {
  metrics: /src\/monitoring\/(?:metrics-plugin|metrics|statistics|keyed-metrics|series|monitoring-metrics)\.[jt]s|node_modules\/prom-client\//,
  monitoring: /src\/monitoring\/(?:model-monitoring|monitor-plan|monitoring-status|tensor-values)\.[jt]s|src\/monitoring\/(?:drift|feedback)\//,
  /**
   * Not our code: V8's runtime defining a computed-key property of an object literal, where some processes build
   * Node's own tick objects (process.nextTick) for their whole life (3-4 µs per iris request); whether a process
   * does is settled when nextTick is first optimized, at startup, so it tells whether the profiled server drew it.
   */
  literalRuntime: /Runtime_DefineKeyedOwnPropertyInLiteral/,
} as const;

export type CostGroup = keyof typeof COST_GROUPS;

export interface Attribution {
  /** Samples of the process, every thread (onnxruntime's, the collector's) included. */
  samples: number;
  /** Per group: the share (0-1) of samples with at least one frame in the group's code. */
  shares: Record<CostGroup, number>;
  /** Node flags the profiled server ran with. */
  nodeFlags: string[];
}

/**
 * Charges each sample of `perf script` output (stacks separated by blank lines) to every group with a frame in
 * it. NOTE: a sample counts once per group however many of its frames match, so recursion and nested hooks do
 * not count twice; frames of a group's code called from elsewhere (a builtin under a hook) are the hook's.
 */
export function attributeSamples(perfScript: string): Pick<Attribution, 'samples' | 'shares'> {
  const groups = Object.keys(COST_GROUPS) as CostGroup[];
  const stacks = perfScript.split(/\n\s*\n/).filter((stack) => stack.trim() !== '');
  const share = (group: CostGroup) => (stacks.length === 0 ? NaN : stacks.filter((stack) => COST_GROUPS[group].test(stack)).length / stacks.length);
  return { samples: stacks.length, shares: Object.fromEntries(groups.map((g) => [g, share(g)])) as Record<CostGroup, number> };
}

/** Why perf can't profile here, or undefined when it can. */
export function perfUnavailable(): string | undefined {
  const probe = spawnSync('perf', ['record', '-q', '-e', 'cpu-clock', '-o', '/dev/null', '--', 'true'], { encoding: 'utf8' });
  if (probe.error !== undefined) return 'perf is not installed';
  if (probe.status !== 0) return `perf cannot record here: ${(probe.stderr || '').trim().split('\n')[0] ?? `exit ${probe.status}`}`;
  return undefined;
}

/**
 * Node flags for the profiled server. NOTE: --perf-basic-prof names the JIT's code for perf; without
 * --no-turbo-inlining, TurboFan inlines small hooks into their callers and their samples are charged to the
 * caller's file (in one run, 2.3 % of samples with inlining, 3.2 % without). Without inlining each call is a real
 * frame, so the shares err high rather than low.
 */
export const PROFILED_NODE_FLAGS = ['--perf-basic-prof', '--no-turbo-inlining'];

/**
 * Samples `pid`'s call stacks (cpu-clock, 999 Hz) for `seconds`, starting `delaySeconds` from now, and attributes
 * them; the perf files are removed. Start it together with the load: the delay skips the load's first moments.
 */
export async function profileProcess(pid: number, seconds: number, delaySeconds: number, dir: string): Promise<Pick<Attribution, 'samples' | 'shares'>> {
  const data = join(dir, `perf-${pid}.data`);
  try {
    const delay = ['-D', String(Math.round(delaySeconds * 1000))];
    await output('perf', ['record', '-q', '-g', '-e', 'cpu-clock', '-F', '999', ...delay, '-p', String(pid), '-o', data, '--', 'sleep', String(delaySeconds + seconds)]);
    return attributeSamples(await output('perf', ['script', '-i', data, '-F', 'ip,sym']));
  } finally {
    rmSync(data, { force: true });
  }
}

/** Removes the symbol map --perf-basic-prof left for `pid` (perf reads it from /tmp by that name). */
export function removePerfMap(pid: number | undefined): void {
  if (pid !== undefined) rmSync(`/tmp/perf-${pid}.map`, { force: true });
}

