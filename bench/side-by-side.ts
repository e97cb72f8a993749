// Metrics and monitoring priced side by side: fresh servers with the defaults, a twin of them and both off, loaded at once.
import type { Served } from './processes.js';
import type { PairedRuns, Timed } from './report.js';

const ROLES = ['defaults', 'twin', 'off'] as const;
type Role = (typeof ROLES)[number];

export interface SideBySideOptions {
  /** Starts an onnx-serve process with extra flags. */
  start(name: string, extra: string[]): Promise<Served>;
  /** One closed-loop measurement of `seconds` against `server` (after a short warm-up), with its CPU per request. */
  load(server: Served, seconds: number): Promise<Timed>;
  rounds: number;
  seconds: number;
  /** Requests each server serves before the rounds count: enough to fill the feedback store, as in steady service. */
  fillRequests: number;
  /** Longest the filling may take, whatever it reached. */
  fillSecondsMax: number;
  log(line: string): void;
}

/** Repeats `serve` (one load, resolving to the requests served) until `requests` or `secondsMax`; the requests served. */
export async function fill(serve: () => Promise<number>, requests: number, secondsMax: number): Promise<number> {
  const until = Date.now() + secondsMax * 1000;
  let served = 0;
  while (served < requests && Date.now() < until) served += await serve();
  return served;
}

/**
 * NOTE: each round starts three fresh processes, fills them and measures once. Identical processes can differ for
 * their whole life (JIT decisions: in one of four identical servers, 6 % slower than the others, the optimized
 * code of Node's own nextTick built each tick object through the V8 runtime), so rounds on the same processes
 * repeat one draw; fresh ones give independent draws, and the median round is judged. The three are
 * loaded at the same time on the same cores, so a slow minute of the machine slows all three alike, and fresh
 * processes share one history (the sweep's servers have served different loads). The twin runs the defaults
 * too: how far it reads from the first server is how far two identical processes differ in this run.
 */
export async function priceSideBySide(scenario: string, o: SideBySideOptions): Promise<PairedRuns> {
  const runs: Required<Omit<PairedRuns, 'profile'>> = { mode: 'side-by-side', onCpuUs: [], offCpuUs: [], onRps: [], offRps: [], twinCpuUs: [], twinRps: [], filledRequests: Infinity };
  for (let round = 0; round < o.rounds; round++) {
    // NOTE: the roles take turns at each place (started, then loaded, first to third): with a fixed order the
    // first of two identical servers read 4-37 % dearer than the second in every MLP round of one run.
    const roles = ROLES.map((_, k) => ROLES[(k + round) % ROLES.length]);
    const started: Record<Role, Served> = {} as Record<Role, Served>;
    for (const role of roles) started[role] = await o.start(`${scenario} pricing: ${role}`, role === 'off' ? ['--metrics', 'false', '--monitoring', 'false'] : []);
    const trio = roles.map((role) => started[role]);
    try {
      const all = async (): Promise<Record<Role, Timed>> => {
        const results = await Promise.all(trio.map((s) => o.load(s, o.seconds)));
        return Object.fromEntries(roles.map((role, k) => [role, results[k]])) as Record<Role, Timed>;
      };
      const filled = await fill(async () => Math.min(...Object.values(await all()).map((r) => r.requests)), o.fillRequests, o.fillSecondsMax);
      runs.filledRequests = Math.min(runs.filledRequests, filled);
      const { defaults: a, twin: b, off: c } = await all();
      runs.onCpuUs.push(a.cpuUsPerRequest), runs.onRps.push(a.throughput);
      runs.twinCpuUs.push(b.cpuUsPerRequest), runs.twinRps.push(b.throughput);
      runs.offCpuUs.push(c.cpuUsPerRequest), runs.offRps.push(c.throughput);
      o.log(`${scenario} pricing round ${round + 1} (order ${roles.join(', ')}; after ${filled} requests each): CPU µs/req defaults ${a.cpuUsPerRequest.toFixed(1)}, twin ${b.cpuUsPerRequest.toFixed(1)}, off ${c.cpuUsPerRequest.toFixed(1)}`);
    } finally {
      await Promise.all(trio.map((s) => s.stop()));
    }
  }
  return runs;
}
