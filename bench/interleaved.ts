// onnx-serve against its baselines in alternating slots: each alone on the server cores, next to the others in time.
import type { Served } from './processes.js';
import type { Timed } from './report.js';

/** Per target, the throughput and server CPU per request of every round; round i of each target ran in the same round. */
export interface InterleavedRuns {
  /** Seconds of each measured slot (after its warm-up). */
  seconds: number;
  rps: Record<string, number[]>;
  cpuUs: Record<string, number[]>;
  /** Of that CPU, the kernel's, and the machine's cross-CPU wake-ups per request (absent in older results). */
  sysUs?: Record<string, number[]>;
  wakeups?: Record<string, number[]>;
  errors: Record<string, number[]>;
}

export interface InterleaveOptions {
  scenario: string;
  servers: Served[];
  rounds: number;
  seconds: number;
  /** One closed-loop measurement of `seconds` against `server` (after a short warm-up), with its CPU per request. */
  load(server: Served, seconds: number): Promise<Timed>;
  log(line: string): void;
}

/**
 * NOTE: the machine's speed swings by up to 2× between one few-second stretch and the next, for every process
 * alike; measured in slots of their own a minute apart and compared by their best rounds, onnx-serve and the
 * ceiling read 0.73 to 0.90 of each other across runs with little change to the code. Here each round measures
 * every server once, back to back, each alone on the server cores as the sweep does (no sharing, which would
 * change how requests bunch up and so what batching gets); the order rotates each round, so none is always
 * first after a pause. Compared round by round, a slow stretch slows the slots of one round alike.
 */
export async function interleave(o: InterleaveOptions): Promise<InterleavedRuns> {
  const runs: Required<InterleavedRuns> = { seconds: o.seconds, rps: {}, cpuUs: {}, sysUs: {}, wakeups: {}, errors: {} };
  for (const key of ['rps', 'cpuUs', 'sysUs', 'wakeups', 'errors'] as const) for (const s of o.servers) runs[key][s.name] = [];
  for (let round = 0; round < o.rounds; round++) {
    const order = o.servers.map((_, k) => o.servers[(k + round) % o.servers.length]);
    const read: string[] = [];
    for (const server of order) {
      const r = await o.load(server, o.seconds);
      runs.rps[server.name].push(r.throughput);
      runs.cpuUs[server.name].push(r.cpuUsPerRequest);
      runs.sysUs[server.name].push(r.sysUsPerRequest ?? NaN);
      runs.wakeups[server.name].push(r.wakeupsPerRequest ?? NaN);
      runs.errors[server.name].push(r.errors);
      const kernel = r.sysUsPerRequest === undefined ? '' : `, ${r.sysUsPerRequest.toFixed(1)} in the kernel, ${r.wakeupsPerRequest?.toFixed(2)} wake-ups/req`;
      read.push(`${server.name} ${r.throughput.toFixed(0)} req/s (${r.cpuUsPerRequest.toFixed(1)} µs CPU/req${kernel}, errors ${r.errors})`);
    }
    o.log(`${o.scenario} interleaved round ${round + 1}: ${read.join(', ')}`);
  }
  return runs;
}

/** Per round, `target`'s throughput ÷ `base`'s (a function of the round's base figure); empty when either is missing. */
export function roundRatios(runs: InterleavedRuns | undefined, target: string, base: string, baseline = (rps: number) => rps): number[] {
  const [a, b] = [runs?.rps[target], runs?.rps[base]];
  if (a === undefined || b === undefined) return [];
  return a.slice(0, b.length).map((rps, i) => rps / baseline(b[i]));
}
