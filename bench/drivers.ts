// Drives one measurement in a separate process: wrk (closed loop) when installed, else bench/loadgen.ts.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LoadResult, LoadSpec } from './loadgen.js';
import { onCpus, output, runJson } from './processes.js';

const LUA = fileURLToPath(new URL('./wrk-post.lua', import.meta.url));
const LOADGEN = fileURLToPath(new URL('./loadgen.ts', import.meta.url));

export const hasWrk = (): boolean => spawnSync('wrk', ['--version']).error === undefined;

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

function toMs(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text.trim());
  if (m === null) throw new Error(`wrk latency '${text}' not understood`);
  return Number(m[1]) * UNIT_MS[m[2]];
}

/** Parses wrk's --latency report: requests/s, percentiles, non-2xx responses and socket errors. */
export function parseWrk(out: string, seconds: number): LoadResult {
  const pct = (p: string) => toMs(new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm').exec(out)?.[1] ?? 'NaNms');
  const total = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors = non2xx + (socket === null ? 0 : socket.slice(1).reduce((n, v) => n + Number(v), 0));
  return {
    requests: total,
    errors,
    throughput: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? total / seconds),
    p50Ms: pct('50'),
    p90Ms: pct('90'),
    p99Ms: pct('99'),
    maxMs: toMs(/Latency\s+\S+\s+\S+\s+(\S+)/.exec(out)?.[1] ?? 'NaNms'),
  };
}

function wrk(spec: LoadSpec, seconds: number, cpus?: string): Promise<string> {
  const env = { ...process.env, BENCH_BODY: spec.bodyFile, BENCH_HEADERS: Object.entries(spec.headers).map(([k, v]) => `${k}: ${v}`).join('\n') };
  // NOTE: one wrk thread: the machine has 2 cores and the server should get as much of them as possible. Spawned,
  // not spawnSync'ed: a blocking run would make measurements started together (the side-by-side pricing) take turns.
  const args = ['-t1', `-c${spec.connections}`, `-d${seconds}s`, '--latency', '--timeout', '10s', '-s', LUA, spec.url];
  return output(...onCpus(cpus, 'wrk', args), env);
}

/**
 * One measurement: closed loop through wrk when available, otherwise (and always for open loop) the own generator,
 * on the cores `cpus` when given.
 */
export async function measure(spec: LoadSpec, useWrk: boolean, cpus?: string): Promise<LoadResult> {
  if (spec.mode === 'closed' && useWrk) {
    if (spec.warmupSeconds > 0) await wrk(spec, spec.warmupSeconds, cpus);
    return parseWrk(await wrk(spec, spec.seconds, cpus), spec.seconds);
  }
  return runJson<LoadResult>(...onCpus(cpus, process.execPath, ['--import', 'tsx', LOADGEN, JSON.stringify(spec)]));
}
