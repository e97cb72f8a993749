// `npm run bench`: starts onnx-serve and the baselines, sweeps load, prints the table and writes bench/results/.
//
//   npm run bench [-- --seconds 3 --warmup 1 --rounds 3 --interleaved 8 --open-rounds 3 --pairs 6 --no-wrk --no-pin --only iris-json]
//   npm run bench -- --render    (no measuring: recomputes the targets of bench/results/latest.json and rewrites the tables)
//
// A full run (no --only, default settings) also adds its verdicts to bench/results/history.json and both tables to README.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { ComputePoint } from './compute-ceiling.js';
import { hasWrk, measure } from './drivers.js';
import type { LoadSpec } from './loadgen.js';
import { writePayloads, writeRepository, type Payload } from './payloads.js';
import { freePort, onCpus, planCpus, runJson, serve, type Served } from './processes.js';
import { perfUnavailable, profileProcess, PROFILED_NODE_FLAGS, removePerfMap } from './cost-attribution.js';
import { interleave, type InterleavedRuns } from './interleaved.js';
import { cpuTimes, wakeupInterrupts } from './kernel-cost.js';
import { fill, priceSideBySide } from './side-by-side.js';
import { record, renderHistory, summarize } from './history.js';
import { renderChart, renderTable, updateReadme, type BenchResults, type Cell, type PairedRuns, type ProfiledShares, type Timed } from './report.js';
import { BATCHED_MINIMUM, CEILING_PER_TURN, computeTargets, median, UNMONITORED } from './targets.js';
import { ConfigSchema } from '../src/config/schema.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const here = (file: string) => join(ROOT, 'bench', file);
/** The settings of a full run: one measured with others is a quick look. */
const MEASURING_DEFAULTS = { seconds: '3', warmup: '1', rounds: '3', interleaved: '8', 'open-rounds': '3', pairs: '6' } as const;
const { values: opts } = parseArgs({
  options: {
    seconds: { type: 'string', default: MEASURING_DEFAULTS.seconds },
    warmup: { type: 'string', default: MEASURING_DEFAULTS.warmup },
    rounds: { type: 'string', default: MEASURING_DEFAULTS.rounds },
    interleaved: { type: 'string', default: MEASURING_DEFAULTS.interleaved },
    'open-rounds': { type: 'string', default: MEASURING_DEFAULTS['open-rounds'] },
    pairs: { type: 'string', default: MEASURING_DEFAULTS.pairs },
    'no-wrk': { type: 'boolean', default: false },
    'no-pin': { type: 'boolean', default: false },
    only: { type: 'string' },
    out: { type: 'string', default: join(ROOT, 'bench', 'results') },
    render: { type: 'boolean', default: false },
  },
});
const SECONDS = Number(opts.seconds);
const WARMUP = Number(opts.warmup);
const ROUNDS = Number(opts.rounds);
const INTERLEAVED = Number(opts.interleaved);
const OPEN_ROUNDS = Number(opts['open-rounds']);
const PAIRS = Number(opts.pairs);
const USE_WRK = !opts['no-wrk'] && hasWrk();
const CONCURRENCY = [1, 8, 64];
const THREADS = 1;
const NODE = process.execPath;
/** Servers under test on their own core(s), load generators on another (see planCpus). */
const CPUS = planCpus(!opts['no-pin'], cpus().length);
const TSX = ['--import', 'tsx'];
/** Longest a fresh server is loaded to fill its feedback store before it is measured or profiled. */
const FILL_SECONDS_MAX = 45;

const tmp = mkdtempSync(join(tmpdir(), 'onnx-serve-bench-'));
const servers: Served[] = [];
process.once('exit', () => rmSync(tmp, { recursive: true, force: true }));

async function onnxServe(name: string, extra: string[], nodeFlags: string[] = []): Promise<Served> {
  const port = await freePort();
  const compiled = join(ROOT, 'dist', 'src', 'main.js');
  const main = existsSync(compiled) ? [compiled] : [...TSX, join(ROOT, 'src', 'main.ts')];
  // NOTE: the access log is off, as a deployment at these rates would run it (its cost is stated in README: Logs).
  const args = [...main, '--models', join(tmp, 'models'), '--port', String(port), '--log-format', 'json', '--docs', 'false', '--access-log', 'false', ...extra];
  const s = await serve(name, ...onCpus(CPUS.servers, NODE, [...nodeFlags, ...args]), port, '/v2/health/ready');
  servers.push(s);
  return s;
}

/** Saves onnx-serve's answer to each payload: the HTTP ceiling replays it byte for byte. */
async function captureResponses(server: Served, payloads: Payload[]): Promise<Record<string, { response: string; headerLength?: number }>> {
  const routes: Record<string, { response: string; headerLength?: number }> = {};
  for (const p of payloads) {
    const res = await fetch(`${server.url}/v2/models/${p.model}/infer`, { method: 'POST', headers: p.headers, body: readFileSync(p.file) });
    if (res.status !== 200) throw new Error(`${p.name}: onnx-serve answered ${res.status}: ${await res.text()}`);
    const file = join(tmp, `${p.name}.response`);
    writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    const header = res.headers.get('inference-header-content-length');
    routes[`/v2/models/${p.model}/infer`] = { response: file, headerLength: header === null ? undefined : Number(header) };
  }
  return routes;
}



/** What posts payload `pl` to `server`'s infer route, after the usual warm-up. */
const loadOf = (server: Served, pl: Payload, load: Pick<LoadSpec, 'mode' | 'connections' | 'rate' | 'seconds'>): LoadSpec => ({
  url: `${server.url}/v2/models/${pl.model}/infer`,
  bodyFile: pl.file,
  headers: pl.headers,
  warmupSeconds: WARMUP,
  ...load,
});

/**
 * A warm-up run, then the measured one with the server's CPU time around it: CPU per request is steadier than
 * throughput on a machine shared with other work.
 */
async function timed(server: Served, spec: LoadSpec): Promise<Timed> {
  // NOTE: an open loop warms up in the same run, as wrk2 does: same generator process, same pool, the rate already
  // steady when the window opens. A separate warm-up run left the measured one to start cold (a fresh generator,
  // its first few hundred milliseconds behind schedule), which counted the generator's start in the p99.
  const continuous = spec.mode === 'open';
  if (spec.warmupSeconds > 0 && !continuous) await measure({ ...spec, seconds: spec.warmupSeconds, warmupSeconds: 0 }, USE_WRK, CPUS.generators);
  const [before, wakeupsBefore] = [cpuTimes(server.child.pid), wakeupInterrupts()];
  const result = await measure(continuous ? spec : { ...spec, warmupSeconds: 0 }, USE_WRK, CPUS.generators);
  const [after, wakeupsAfter] = [cpuTimes(server.child.pid), wakeupInterrupts()];
  const served = Math.max(1, continuous ? (result.requests * (spec.warmupSeconds + spec.seconds)) / spec.seconds : result.requests);
  const usPerRequest = (seconds: number) => (seconds * 1e6) / served;
  return {
    ...result,
    cpuUsPerRequest: usPerRequest(after.user + after.system - before.user - before.system),
    sysUsPerRequest: usPerRequest(after.system - before.system),
    wakeupsPerRequest: (wakeupsAfter - wakeupsBefore) / served,
  };
}

/** One fresh defaults server, filled like the priced ones, sampled by perf under 64 connections. */
async function profileShares(scenario: string, pl: Payload, fillRequests: number, log: (line: string) => void): Promise<ProfiledShares> {
  const server = await onnxServe(`${scenario} profiled`, [], PROFILED_NODE_FLAGS);
  try {
    const load = (seconds: number) => loadOf(server, pl, { mode: 'closed', connections: 64, seconds });
    const filled = await fill(async () => (await measure(load(SECONDS * 2), USE_WRK, CPUS.generators)).requests, fillRequests, FILL_SECONDS_MAX);
    // NOTE: perf starts a second into the load and stops a second before its end, so it sees only the steady part.
    // NOTE: a failing perf must not end the run (the rest is already measured), nor reject while nobody awaits it.
    const sampling = profileProcess(server.child.pid!, SECONDS * 2, 1, tmp).catch((err: Error) => err);
    await measure({ ...load(SECONDS * 2 + 2), warmupSeconds: 0 }, USE_WRK, CPUS.generators);
    const sampled = await sampling;
    if (sampled instanceof Error) {
      log(`${scenario} profile failed: ${sampled.message}`);
      return { skipped: sampled.message };
    }
    log(`${scenario} profile (${sampled.samples} samples, after ${filled} requests): metrics ${(sampled.shares.metrics * 100).toFixed(2)} %, monitoring ${(sampled.shares.monitoring * 100).toFixed(2)} %, V8 literal runtime ${(sampled.shares.literalRuntime * 100).toFixed(2)} %`);
    return { ...sampled, nodeFlags: PROFILED_NODE_FLAGS, filledRequests: filled };
  } finally {
    await server.stop();
    removePerfMap(server.child.pid);
  }
}

/** The commit HEAD names, with "+" when the working tree differs from it; undefined outside a git checkout. */
function commitOf(): string | undefined {
  const git = (...args: string[]) => spawnSync('git', ['-C', ROOT, ...args], { encoding: 'utf8' });
  const head = git('rev-parse', '--short', 'HEAD');
  if (head.status !== 0) return undefined;
  const dirty = git('status', '--porcelain', '--untracked-files=no').stdout.trim() !== '';
  return `${head.stdout.trim()}${dirty ? '+' : ''}`;
}

/** Computes the targets and writes the JSON, the table, the chart and (for a full run) the history and README's tables. */
function publish(results: BenchResults, readme: boolean, commit: string | undefined): void {
  results.targets = computeTargets(results);
  mkdirSync(opts.out!, { recursive: true });
  const table = renderTable(results);
  writeFileSync(join(opts.out!, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(opts.out!, 'latest.md'), `${table}\n`);
  writeFileSync(join(opts.out!, 'latest.svg'), renderChart(results));
  if (readme) {
    // NOTE: a re-render (--render) replaces its run's entry; only a full run adds one.
    const runs = record(join(opts.out!, 'history.json'), summarize(results, commit));
    updateReadme(join(ROOT, 'README.md'), results, table, renderHistory(runs));
  }
  process.stdout.write(`${table}\n\nwrote ${join(opts.out!, 'latest.{json,md,svg}')}\n`);
}

async function main(): Promise<void> {
  if (opts.render) {
    // NOTE: a re-rendered run keeps the commit it recorded; this one is used only for results not yet in the history.
    publish(JSON.parse(readFileSync(join(opts.out!, 'latest.json'), 'utf8')) as BenchResults, true, commitOf());
    return;
  }
  const started = new Date();
  // NOTE: taken before anything is written: the run itself rewrites tracked files (bench/results/, README.md).
  const commit = commitOf();
  const loadBefore = loadavg();
  const modelFiles = writeRepository(join(ROOT, 'models'), join(tmp, 'models'));
  const payloads = writePayloads(join(tmp, 'payloads'));
  const payload = (name: string) => payloads.find((p) => p.name === name)!;
  const log = (line: string) => process.stderr.write(`${line}\n`);
  log(`load generator: ${USE_WRK ? 'wrk (closed loop) + bench/loadgen.ts (open loop)' : 'bench/loadgen.ts'}; ${SECONDS}s per measurement, ${ROUNDS} rounds; cores: ${JSON.stringify(CPUS)}`);

  // NOTE: the compute ceilings run first, on a quiet machine, before any server is started.
  const compute: Record<string, ComputePoint[]> = {};
  for (const model of ['iris', 'bench-mlp']) {
    compute[model] = await runJson<ComputePoint[]>(...onCpus(CPUS.servers, NODE, [...TSX, here('compute-ceiling.ts'), modelFiles[model], String(THREADS), '1', '1,2,4,8,16,32,64,128']));
    log(`compute ceiling ${model}: ${compute[model].map((p) => `b${p.batch} ${p.rowsPerSecond.toFixed(0)}/s`).join(', ')}`);
  }

  // NOTE: the default (auto) is measured as onnx-serve, and the worker backend beside it to show why auto keeps
  // these models in-process (auto picks in-process for both, so measuring inprocess too would repeat it).
  const main = await onnxServe('onnx-serve', []);
  const other = ConfigSchema.shape.backend.parse(undefined) === 'worker' ? 'inprocess' : 'worker';
  const others = [await onnxServe(`onnx-serve (${other})`, ['--backend', other])];
  const unmonitored = await onnxServe(UNMONITORED, ['--metrics', 'false', '--monitoring', 'false']);
  const ceilingPort = await freePort();
  const answers = JSON.stringify(await captureResponses(main, payloads));
  const ceiling = await serve('http-ceiling', ...onCpus(CPUS.servers, NODE, [...TSX, here('servers/http-ceiling.ts'), String(ceilingPort), answers]), ceilingPort);
  servers.push(ceiling);
  const perTurnPort = await freePort();
  const perTurn = await serve(CEILING_PER_TURN, ...onCpus(CPUS.servers, NODE, [...TSX, here('servers/http-ceiling.ts'), String(perTurnPort), answers, 'per-turn']), perTurnPort);
  servers.push(perTurn);
  const naivePort = await freePort();
  const naiveModels = { iris: modelFiles.iris, 'bench-mlp': modelFiles['bench-mlp'] };
  const naive = await serve('naive', ...onCpus(CPUS.servers, NODE, [...TSX, here('servers/naive-server.ts'), String(naivePort), JSON.stringify(naiveModels)]), naivePort);
  servers.push(naive);
  const tunedPort = await freePort();
  const naiveTuned = await serve('naive (1 thread)', ...onCpus(CPUS.servers, NODE, [...TSX, here('servers/naive-server.ts'), String(tunedPort), JSON.stringify(naiveModels), String(THREADS)]), tunedPort);
  servers.push(naiveTuned);
  const minimumPort = await freePort();
  const minimum = await serve(BATCHED_MINIMUM, ...onCpus(CPUS.servers, NODE, [...TSX, here('servers/batched-minimum.ts'), String(minimumPort), JSON.stringify(naiveModels), String(THREADS)]), minimumPort);
  servers.push(minimum);

  type Plan = { scenario: string; server: Served; connections: number };
  const plan: Plan[] = [];
  for (const scenario of ['iris-json', 'mlp-json']) {
    for (const connections of CONCURRENCY) {
      for (const server of [main, ...others, ceiling, naive]) plan.push({ scenario, server, connections });
      if (connections === 64) plan.push({ scenario, server: naiveTuned, connections }, { scenario, server: unmonitored, connections }, { scenario, server: minimum, connections }, { scenario, server: perTurn, connections });
    }
  }
  for (const scenario of ['big-json', 'big-binary']) plan.push({ scenario, server: main, connections: 8 });
  const selected = plan.filter((p) => opts.only === undefined || p.scenario === opts.only);

  const runs = new Map<Plan, Timed[]>();
  for (let round = 1; round <= ROUNDS; round++) {
    for (const p of selected) {
      const pl = payload(p.scenario);
      const result = await timed(p.server, loadOf(p.server, pl, { mode: 'closed', connections: p.connections, seconds: SECONDS }));
      runs.set(p, [...(runs.get(p) ?? []), result]);
      log(`round ${round} ${p.scenario} ${p.server.name} c=${p.connections}: ${result.throughput.toFixed(0)} req/s p99 ${result.p99Ms.toFixed(2)} ms errors ${result.errors}`);
    }
  }
  // NOTE: each cell keeps its best round: other processes on a shared machine only ever slow a run down, and the
  // rounds of every target are interleaved, so each gets the same chances.
  const cells: Cell[] = [...runs].map(([p, results]) => {
    const chosen = results.reduce((a, b) => (b.throughput > a.throughput ? b : a));
    return { ...chosen, scenario: p.scenario, target: p.server.name, load: `c=${p.connections}`, rounds: results.map((r) => Math.round(r.throughput)) };
  });

  const scenarios = ['iris-json', 'mlp-json'].filter((s) => opts.only === undefined || s === opts.only);
  // NOTE: the c=64 targets are judged on these rounds, not on the sweep's best ones (bench/interleaved.ts).
  const interleaved: Record<string, InterleavedRuns> = {};
  for (const scenario of scenarios) {
    const pl = payload(scenario);
    const contenders = scenario === 'iris-json' ? [main, ceiling, minimum, perTurn] : [main, ceiling, naive, minimum, perTurn];
    interleaved[scenario] = await interleave({
      scenario,
      servers: contenders,
      rounds: INTERLEAVED,
      seconds: SECONDS,
      load: (server, seconds) => timed(server, loadOf(server, pl, { mode: 'closed', connections: 64, seconds })),
      log,
    });
  }
  // NOTE: open loop at half of onnx-serve's peak for the model: latency counted from each request's due time. A
  // stall of the VM costs a 6-second run its p99, so each side runs several rounds, alternating which goes first,
  // and keeps its best (lowest p99) round; the server's own stalls (collections) recur in every round.
  for (const scenario of scenarios) {
    // NOTE: the peak is the best concurrency's median round, so one lucky round does not set a rate the server can't hold.
    const peak = Math.max(...cells.filter((c) => c.scenario === scenario && c.target === main.name && c.load.startsWith('c=')).map((c) => median(c.rounds)));
    const rate = Math.round(peak / 2);
    const pl = payload(scenario);
    const rounds = new Map<Served, Timed[]>();
    for (let round = 0; round < OPEN_ROUNDS; round++) {
      for (const server of round % 2 === 0 ? [main, ceiling] : [ceiling, main]) {
        const result = await timed(server, loadOf(server, pl, { mode: 'open', connections: Math.max(...CONCURRENCY), rate, seconds: SECONDS * 2 }));
        rounds.set(server, [...(rounds.get(server) ?? []), result]);
        log(`open loop round ${round + 1} ${scenario} ${server.name} at ${rate}/s: p99 ${result.p99Ms.toFixed(2)} ms errors ${result.errors}`);
      }
    }
    for (const [server, results] of rounds) {
      const best = results.reduce((a, b) => (b.p99Ms < a.p99Ms ? b : a));
      // NOTE: errors in any round count: the best round must not hide a failing one.
      const errors = Math.max(...results.map((r) => r.errors));
      cells.push({ ...best, errors, scenario, target: server.name, load: `open ${rate}/s`, rounds: results.map((r) => Math.round(r.throughput)), p99Rounds: results.map((r) => r.p99Ms) });
    }
  }

  // NOTE: metrics and monitoring priced on fresh servers run side by side (bench/side-by-side.ts).
  const paired: Record<string, PairedRuns> = {};
  const fillRequests = ConfigSchema.shape.feedbackMaxRows.parse(undefined);
  for (const scenario of scenarios) {
    const pl = payload(scenario);
    paired[scenario] = await priceSideBySide(scenario, {
      start: onnxServe,
      load: (server, seconds) => timed(server, loadOf(server, pl, { mode: 'closed', connections: 64, seconds })),
      rounds: PAIRS,
      seconds: SECONDS * 2,
      fillRequests,
      fillSecondsMax: FILL_SECONDS_MAX,
      log,
    });
  }

  // NOTE: the same price read from inside one server: the share of its CPU samples in the metrics and monitoring
  // code. No second process to compare with, so none of the noise between processes; it sees the direct cost only.
  const noPerf = perfUnavailable();
  if (noPerf !== undefined) log(`no CPU profile of the metrics and monitoring code: ${noPerf}`);
  for (const scenario of scenarios) paired[scenario].profile = noPerf === undefined ? await profileShares(scenario, payload(scenario), fillRequests, log) : { skipped: noPerf };

  const cpu = cpus();
  const results: BenchResults = {
    startedAt: started.toISOString(),
    machine: { cpus: cpu.length, model: cpu[0]?.model ?? 'unknown', loadAverageBefore: loadBefore, loadAverageAfter: loadavg(), node: process.version, generator: `${USE_WRK ? 'wrk 1 thread + bench/loadgen.ts (open loop)' : 'bench/loadgen.ts'}${CPUS.servers === undefined ? ', unpinned' : `; servers pinned to CPU ${CPUS.servers}, load generators to CPU ${CPUS.generators}`}` },
    settings: { seconds: SECONDS, warmupSeconds: WARMUP, rounds: ROUNDS, interleavedRounds: INTERLEAVED, openRounds: OPEN_ROUNDS, pairs: PAIRS, intraOpThreads: THREADS, concurrency: CONCURRENCY, cpus: CPUS },
    compute,
    cells,
    interleaved,
    paired,
    targets: [],
  };
  // NOTE: only a full run at the default settings goes into README and the history; a quick look stays in results/.
  const full = opts.only === undefined && Object.entries(MEASURING_DEFAULTS).every(([k, v]) => opts[k as keyof typeof MEASURING_DEFAULTS] === v);
  publish(results, full, commit);
}

try {
  await main();
} finally {
  await Promise.all(servers.map((s) => s.stop()));
}
