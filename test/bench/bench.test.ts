// The benchmark's own parts: wrk output parsing, target arithmetic, and the load generator against a local server.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test, type TestContext } from 'node:test';
import { attributeSamples } from '../../bench/cost-attribution.js';
import { hasWrk, measure, parseWrk } from '../../bench/drivers.js';
import { interleave } from '../../bench/interleaved.js';
import { runLoad } from '../../bench/loadgen.js';
import { freePort, onCpus, planCpus, serve, type Served } from '../../bench/processes.js';
import type { BenchResults, Cell } from '../../bench/report.js';
import { renderTable } from '../../bench/report.js';
import { atTurnEnd } from '../../bench/servers/turn-end.js';
import { computeTargets } from '../../bench/targets.js';
import { nextLabel, record, renderHistory, summarize, targetKey, TARGET_COLUMNS, type RunSummary } from '../../bench/history.js';
import { updateReadme } from '../../bench/report.js';

const WRK_OUTPUT = `Running 3s test @ http://127.0.0.1:1234/v2/models/iris/infer
  1 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     4.61ms    1.02ms  22.10ms   90.00%
    Req/Sec    13.9k     1.1k    15.0k    80.00%
  Latency Distribution
     50%    4.35ms
     75%    4.80ms
     90%    5.50ms
     99%  850.00us
  41700 requests in 3.00s, 20.1MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 5
Requests/sec:  13899.50
Transfer/sec:      6.70MB
`;

/** perf script -F ip,sym with call graphs: an empty header line, then one frame per line, a blank line between samples. */
const PERF_SCRIPT = [
  ['1508083 Builtins_RunMicrotasks', '7ff1 JS:*remember file:///srv/dist/src/monitoring/feedback/feedback-store.js:80:13', '7ff2 JS:*#observe file:///srv/dist/src/monitoring/model-monitoring.js:135:13', '7ff3 JS:*#finish file:///srv/dist/src/inference/data-plane.js:119:12'],
  ['7ff4 JS:*observe /srv/node_modules/prom-client/lib/histogram.js:95:9', '7ff5 JS:*onEnd file:///srv/dist/src/monitoring/metrics-plugin.js:10:14'],
  ['7ff6 JS:*countColumn /srv/src/monitoring/drift/bins.ts:20:3', '7ff7 JS:*onBatch file:///srv/dist/src/monitoring/statistics.js:53:22'],
  ['155e883 Builtins_StringAdd_CheckNone', '7ff8 JS:*_storeHeader node:_http_outgoing:410:22'],
  ['f0b23d [unknown]'],
  ['7ff9 JS:*handle file:///srv/dist/src/routes/v2/infer.js:31:20', '7ffa JS:*parse file:///srv/dist/src/schemas/monitoring.js:3:1'],
  ['ae3f10 v8::internal::Runtime_DefineKeyedOwnPropertyInLiteral', '7ffb JS:*nextTick node:internal/process/task_queues:103:18', '7ffc JS:*resOnFinish node:_http_server:966:21'],
]
  .map((frames) => `\n${frames.map((f) => `\t    ${f}`).join('\n')}\n`)
  .join('\n');

describe('attributeSamples', () => {
  test('charges a sample once to each group with a frame in its code, compiled or run from source', () => {
    const { samples, shares } = attributeSamples(PERF_SCRIPT);
    assert.equal(samples, 7);
    // NOTE: metrics: prom-client + metrics-plugin (one sample), statistics.js; monitoring: the store and the hook (one sample), drift from src/;
    // the literal runtime: the nextTick sample, which is none of our code's.
    assert.deepEqual(shares, { metrics: 2 / 7, monitoring: 2 / 7, literalRuntime: 1 / 7 });
  });

  test('the schemas of the monitoring routes are not the monitoring code, and no samples read as NaN, not 0', () => {
    assert.equal(attributeSamples(PERF_SCRIPT.split('\n\n').slice(-2)[0]).shares.monitoring, 0);
    assert.ok(Number.isNaN(attributeSamples('\n\n').shares.metrics));
  });
});

describe('parseWrk', () => {
  test('reads throughput, percentiles in any unit, and counts non-2xx answers and socket errors as errors', () => {
    const r = parseWrk(WRK_OUTPUT, 3);
    assert.equal(r.throughput, 13899.5);
    assert.equal(r.requests, 41700);
    assert.equal(r.p50Ms, 4.35);
    assert.equal(r.p99Ms, 0.85);
    assert.equal(r.maxMs, 22.1);
    assert.equal(r.errors, 8);
  });
});

function cell(scenario: string, target: string, load: string, throughput: number, extra: Partial<Cell> = {}): Cell {
  return { scenario, target, load, throughput, requests: throughput, errors: 0, p50Ms: 1, p90Ms: 1, p99Ms: 2, maxMs: 3, rounds: [throughput], cpuUsPerRequest: 100, ...extra };
}

describe('computeTargets', () => {
  const results: BenchResults = {
    startedAt: 'now',
    machine: { cpus: 2, model: 'x', loadAverageBefore: [0, 0, 0], loadAverageAfter: [0, 0, 0], node: 'v20', generator: 'test' },
    settings: {},
    compute: { iris: [{ batch: 1, rowsPerSecond: 1000, msPerRun: 1 }], 'bench-mlp': [{ batch: 1, rowsPerSecond: 500, msPerRun: 2 }, { batch: 64, rowsPerSecond: 8000, msPerRun: 4 }] },
    cells: [
      cell('iris-json', 'onnx-serve', 'c=64', 900), cell('iris-json', 'http-ceiling', 'c=64', 1000),
      cell('mlp-json', 'onnx-serve', 'c=64', 3000), cell('mlp-json', 'http-ceiling', 'c=64', 4000), cell('mlp-json', 'naive', 'c=64', 1000),
      cell('mlp-json', 'onnx-serve', 'open 1500/s', 1500, { p99Ms: 10 }), cell('mlp-json', 'http-ceiling', 'open 1500/s', 1500, { p99Ms: 4 }),
      cell('big-binary', 'onnx-serve', 'c=8', 400), cell('big-json', 'onnx-serve', 'c=8', 100),
      cell('iris-json', 'onnx-serve (no metrics, no monitoring)', 'c=64', 950, { cpuUsPerRequest: 96 }),
      cell('iris-json', 'batched minimum', 'c=64', 1020),
    ],
    targets: [],
  };
  const targets = Object.fromEntries(computeTargets(results).map((t) => [t.name, t]));

  test('ratios against the same run\'s baselines decide pass or miss', () => {
    assert.equal(targets['iris JSON c=64 vs HTTP ceiling'].measured, 0.9);
    assert.equal(targets['iris JSON c=64 vs HTTP ceiling'].pass, true);
    assert.equal(targets['MLP JSON c=64 vs naive'].measured, 3);
    assert.equal(targets['MLP JSON c=64 vs min(HTTP, compute)'].measured, 3000 / 4000);
    assert.equal(targets['1 MB FP32 binary vs JSON (c=8)'].measured, 4);
  });

  test('the batched minimum\'s ratio to the same baseline is stated beside a target when it was measured', () => {
    assert.match(targets['iris JSON c=64 vs HTTP ceiling'].how, /batched minimum: 1\.02\)$/);
    assert.doesNotMatch(targets['MLP JSON c=64 vs naive'].how, /batched minimum/);
  });

  test('open loop: p99 within twice the ceiling\'s plus one batch of compute, and no errors', () => {
    const t = targets['mlp-json open loop (open 1500/s) p99 headroom'];
    assert.equal(t.measured, (2 * 4 + 4) / 10);
    assert.equal(t.pass, true);
    assert.equal(t.inconclusive, undefined);
  });

  test('open loop: a ceiling stalled by something else (p99 over 20× its p50) makes the verdict inconclusive, not a pass', () => {
    const stalled = results.cells.map((c) => (c.target === 'http-ceiling' && c.load.startsWith('open') ? { ...c, p50Ms: 1.5, p99Ms: 500 } : c));
    const t = computeTargets({ ...results, cells: stalled }).find((x) => x.name.startsWith('mlp-json open loop'))!;
    assert.equal(t.pass, true, 'the arithmetic alone would pass');
    assert.match(String(t.inconclusive), /own p99 was 333× its p50/);
    assert.match(renderTable({ ...results, cells: stalled, targets: [t] }), /\| inconclusive \|.*inconclusive: the HTTP ceiling's own p99/);
  });

  test('monitoring cost from paired runs: the median round decides, not the sweep\'s best rounds', () => {
    // NOTE: off ÷ on per pair: 0.90, 1.00, 0.96, 0.99, 0.80 -> median 0.96; the sweep's cells (96 ÷ 100) are ignored.
    const paired = { 'iris-json': { onCpuUs: [50, 50, 50, 50, 50], offCpuUs: [45, 50, 48, 49.5, 40], onRps: [100, 100, 100, 100, 100], offRps: [100, 100, 100, 100, 100] } };
    const t = computeTargets({ ...results, paired }).find((x) => x.name === 'iris-json c=64 metrics + monitoring on vs off')!;
    assert.equal(t.measured, 0.96);
    assert.equal(t.pass, true);
    assert.match(t.how, /median of 5 back-to-back rounds of CPU µs\/req, .*\(0\.90, 1\.00, 0\.96, 0\.99, 0\.80; medians 48 ÷ 50/);
    const worse = { 'iris-json': { ...paired['iris-json'], offCpuUs: [45, 46, 47, 49.5, 40] } };
    assert.equal(computeTargets({ ...results, paired: worse }).find((x) => x.name === t.name)!.pass, false, 'median pair 0.92: a miss');
    const two = { 'iris-json': { onCpuUs: [50, 50], offCpuUs: [50.5, 45.5], onRps: [100, 100], offRps: [100, 100] } };
    assert.equal(computeTargets({ ...results, paired: two }).find((x) => x.name === t.name)!.measured, 0.96, 'an even count takes the mean of the middle two (1.01 and 0.91)');
    const sideBySide = { 'iris-json': { ...paired['iris-json'], mode: 'side-by-side' as const } };
    assert.match(computeTargets({ ...results, paired: sideBySide }).find((x) => x.name === t.name)!.how, /median of 5 side-by-side rounds/);
  });

  test('monitoring cost: the A/A twin is reported beside the verdict and does not change it', () => {
    // NOTE: defaults ÷ twin per round: 50/55, 50/50, 50/48, 50/52, 50/50 -> 0.91, 1.00, 1.04, 0.96, 1.00; median 1.00.
    const base = { onCpuUs: [50, 50, 50, 50, 50], offCpuUs: [45, 46, 47, 49.5, 40], onRps: [100, 100, 100, 100, 100], offRps: [100, 100, 100, 100, 100] };
    const paired = { 'iris-json': { ...base, mode: 'side-by-side' as const, twinCpuUs: [55, 50, 48, 52, 50], twinRps: [100, 100, 100, 100, 100], filledRequests: 120_000 } };
    const t = computeTargets({ ...results, paired }).find((x) => x.name === 'iris-json c=64 metrics + monitoring on vs off')!;
    assert.equal(t.pass, false, 'median round 0.92 stays a miss whatever the twin reads');
    assert.equal(t.measured, computeTargets({ ...results, paired: { 'iris-json': base } }).find((x) => x.name === t.name)!.measured);
    assert.match(t.how, /each server after 120000 requests/);
    assert.match(t.how, /A\/A control, a second defaults server in the same rounds, first ÷ second: median 1\.00 \(0\.91, 1\.00, 1\.04, 0\.96, 1\.00\)/);
  });

  test('monitoring cost: the in-process CPU profile is stated beside the verdict and does not change it', () => {
    const base = { onCpuUs: [50, 50, 50], offCpuUs: [45, 46, 47], onRps: [100, 100, 100], offRps: [100, 100, 100] };
    const profile = { samples: 11_947, shares: { metrics: 0.0114, monitoring: 0.0201, literalRuntime: 0.062 }, nodeFlags: ['--perf-basic-prof', '--no-turbo-inlining'], filledRequests: 100_500 };
    const target = (p: object) => computeTargets({ ...results, paired: { 'iris-json': { ...base, ...p } } }).find((x) => x.name === 'iris-json c=64 metrics + monitoring on vs off')!;
    const t = target({ profile });
    assert.equal(t.pass, false, 'a 3 % profile does not turn a median round of 0.92 into a pass');
    assert.equal(t.measured, target({}).measured);
    assert.match(t.how, /perf on one defaults server \(11947 samples, --perf-basic-prof --no-turbo-inlining\): metrics code 1\.1 %, monitoring code 2\.0 % of its CPU samples; V8's runtime building Node's tick objects \(Runtime_DefineKeyedOwnPropertyInLiteral, a per-process JIT state, not the hooks\): 6\.2 %$/);
    const { literalRuntime: _, ...older } = profile.shares;
    assert.match(target({ profile: { ...profile, shares: older } }).how, /of its CPU samples$/, 'a result written before the group existed reads as it did');
    assert.match(target({ profile: { skipped: 'perf is not installed' } }).how, /; no CPU profile \(perf is not installed\)$/);
  });

  test('open loop: the p99 of every round is stated when there were several', () => {
    const cells = results.cells.map((c) => (c.load.startsWith('open') ? { ...c, p99Rounds: c.target === 'onnx-serve' ? [10, 31.5] : [4, 6] } : c));
    const t = computeTargets({ ...results, cells }).find((x) => x.name.startsWith('mlp-json open loop'))!;
    assert.match(t.how, /p99 per round 10\.0 \/ 31\.5 ms \(ceiling 4\.0 \/ 6\.0\)$/);
    assert.equal(t.measured, (2 * 4 + 4) / 10, 'judged on the cells (each side\'s best round)');
  });

  test('c=64 ratios: the median of the interleaved rounds decides where the run has them, not the sweep\'s best rounds', () => {
    // NOTE: iris per round 0.80, 0.90, 0.86, 0.70, 0.88 -> median 0.86; the sweep's cells read 0.90.
    const interleaved = {
      'iris-json': { seconds: 3, rps: { 'onnx-serve': [800, 900, 860, 700, 880], 'http-ceiling': [1000, 1000, 1000, 1000, 1000], 'batched minimum': [1010, 990, 1000, 1020, 1050] }, cpuUs: {}, errors: { 'onnx-serve': [0, 0, 0, 0, 0], 'http-ceiling': [0, 0, 2, 0, 0] } },
      // NOTE: MLP per round vs naive 2.4, 2.6, 2.7 -> 2.6; vs min(ceiling, compute 8000): 2400/4000, 2600/8000 (compute is lower), 2700/3000 -> 0.60.
      'mlp-json': { seconds: 3, rps: { 'onnx-serve': [2400, 2600, 2700], naive: [1000, 1000, 1000], 'http-ceiling': [4000, 9000, 3000] }, cpuUs: {}, errors: {} },
    };
    const t = Object.fromEntries(computeTargets({ ...results, interleaved }).map((x) => [x.name, x]));
    assert.equal(t['iris JSON c=64 vs HTTP ceiling'].measured, 0.86);
    assert.equal(t['iris JSON c=64 vs HTTP ceiling'].pass, true);
    assert.match(t['iris JSON c=64 vs HTTP ceiling'].how, /^median of 5 interleaved rounds \(each server alone for 3 s, back to back, order rotating\), req\/s of onnx-serve ÷ bare Fastify \(batched minimum: 1\.01\) in the same round \(0\.80, 0\.90, 0\.86, 0\.70, 0\.88\); errors 0 \(baseline 2\); the sweep's best rounds: 0\.90$/);
    assert.equal(t['MLP JSON c=64 vs naive'].measured, 2.6);
    assert.doesNotMatch(t['MLP JSON c=64 vs naive'].how, /batched minimum/, 'not measured in the MLP rounds');
    assert.equal(t['MLP JSON c=64 vs min(HTTP, compute)'].measured, 0.6, 'rounds 0.60, 0.33, 0.90: each round against its own lower baseline');
    assert.equal(t['MLP JSON c=64 vs min(HTTP, compute)'].pass, true);
    const lower = { ...interleaved, 'iris-json': { ...interleaved['iris-json'], rps: { ...interleaved['iris-json'].rps, 'onnx-serve': [800, 900, 840, 700, 880] } } };
    assert.equal(computeTargets({ ...results, interleaved: lower }).find((x) => x.name === 'iris JSON c=64 vs HTTP ceiling')!.pass, false, 'median round 0.84: a miss, whatever the sweep read');
    const failing = { ...interleaved, 'iris-json': { ...interleaved['iris-json'], errors: { 'onnx-serve': [0, 1, 0, 0, 0] } } };
    assert.equal(computeTargets({ ...results, interleaved: failing }).find((x) => x.name === 'iris JSON c=64 vs HTTP ceiling')!.pass, false, 'one failed answer of onnx-serve\'s: a miss whatever the ratio');
    const none = { 'iris-json': { seconds: 3, rps: { 'onnx-serve': [800] }, cpuUs: {}, errors: {} } };
    assert.equal(computeTargets({ ...results, interleaved: none }).find((x) => x.name === 'iris JSON c=64 vs HTTP ceiling')!.measured, 0.9, 'without the baseline\'s rounds, the sweep decides');
  });

  test('the ratio to the ceiling that writes a turn\'s answers together stands beside the iris verdict and leaves it alone', () => {
    const rounds = { 'onnx-serve': [900, 900, 900], 'http-ceiling': [1000, 1000, 1000], 'batched minimum': [1000, 1000, 1000], 'http-ceiling (per turn)': [2000, 1500, 1800] };
    const interleaved = { 'iris-json': { seconds: 3, rps: rounds, cpuUs: {}, errors: {} } };
    const t = computeTargets({ ...results, interleaved }).find((x) => x.name === 'iris JSON c=64 vs HTTP ceiling')!;
    assert.equal(t.measured, 0.9);
    assert.match(t.how, /bare Fastify \(batched minimum: 1\.00; onnx-serve ÷ http-ceiling \(per turn\), answers written a turn at a time: 0\.50\) in the same round/);
  });

  test('every target computed here has its own column in the history table', () => {
    const keys = computeTargets(results).map((t) => targetKey(t.name));
    assert.ok(keys.every((k) => k !== undefined), JSON.stringify(computeTargets(results).map((t) => t.name)));
    assert.equal(new Set(keys).size, keys.length);
  });

  test('monitoring cost is judged on CPU per request; a missing cell is a miss, not a crash', () => {
    assert.equal(targets['iris-json c=64 metrics + monitoring on vs off'].measured, 0.96);
    assert.equal(targets['mlp-json c=64 metrics + monitoring on vs off'].pass, false);
    assert.match(renderTable({ ...results, targets: computeTargets(results) }), /\| iris-json \| onnx-serve \| c=64 \| 900 \|.*\| 0\.90 \|/);
  });

  test('the table shows the kernel\'s part of CPU per request and the wake-ups where a run measured them', () => {
    const split = results.cells.map((c) => (c.target === 'onnx-serve' && c.load === 'c=64' && c.scenario === 'iris-json' ? { ...c, sysUsPerRequest: 13.4, wakeupsPerRequest: 0.123 } : c));
    const table = renderTable({ ...results, cells: split, targets: computeTargets(results) });
    assert.match(table, /\| iris-json \| onnx-serve \| c=64 \| 900 \| 1\.00 \| 2\.00 \| 0 \| 100 \(13\) \| 0\.12 \| 0\.90 \|/);
    assert.match(table, /\| iris-json \| http-ceiling \| c=64 \| 1000 \| 1\.00 \| 2\.00 \| 0 \| 100 \| — \|/, 'older cells: as before, no figure invented');
  });
});

describe('run history', () => {
  /** A run's results with the eight targets as a full run names them; `misses` lists the keys that missed. */
  const runOf = (startedAt: string, misses: string[] = [], inconclusive: string[] = []): BenchResults => ({
    startedAt,
    machine: { cpus: 2, model: 'x', loadAverageBefore: [1.25, 1, 1], loadAverageAfter: [2, 2, 2], node: 'v20', generator: 'test' },
    settings: {},
    compute: {},
    cells: [],
    targets: [
      'iris JSON c=64 vs HTTP ceiling', 'MLP JSON c=64 vs naive', 'MLP JSON c=64 vs min(HTTP, compute)', 'iris-json open loop (open 9540/s) p99 headroom',
      'mlp-json open loop (open 5117/s) p99 headroom', '1 MB FP32 binary vs JSON (c=8)', 'iris-json c=64 metrics + monitoring on vs off', 'mlp-json c=64 metrics + monitoring on vs off',
    ].map((name, i) => {
      const key = TARGET_COLUMNS[i].key;
      return { name, measured: key === 'binary' ? 27.3 : 0.9 + i / 100, threshold: 1, how: '', pass: !misses.includes(key), inconclusive: inconclusive.includes(key) ? 'disturbed' : undefined };
    }),
  });

  test('every target a run computes has its own column, whatever the rate in its name', () => {
    const keys = runOf('t').targets.map((t) => targetKey(t.name));
    assert.deepEqual(keys, TARGET_COLUMNS.map((c) => c.key));
    assert.equal(targetKey('iris-json open loop (open 123/s) p99 headroom'), 'iris-open');
    assert.equal(targetKey('something else'), undefined);
  });

  test('labels run A to Z, then AA, as the README names runs', () => {
    assert.deepEqual([undefined, '', 'A', 'V', 'Z', 'AZ', 'ZZ'].map(nextLabel), ['A', 'A', 'B', 'W', 'AA', 'BA', 'AAA']);
  });

  test('a new run gets the next label; a re-render replaces its run and keeps its label and commit; runs stay in order', (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-history-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'history.json');
    record(file, summarize(runOf('2026-12-07T06:00:00Z'), 'aaa1111', 'V'));
    let runs = record(file, summarize(runOf('2026-12-07T08:00:00Z', ['iris-c64']), 'bbb2222+'));
    assert.deepEqual(runs.map((r) => [r.label, r.commit]), [['V', 'aaa1111'], ['W', 'bbb2222+']]);
    runs = record(file, summarize(runOf('2026-12-07T06:00:00Z', ['mlp-open']), 'ccc3333'));
    assert.deepEqual(runs.map((r) => [r.label, r.commit]), [['V', 'aaa1111'], ['W', 'bbb2222+']], 'no new row; label and commit kept');
    assert.equal(runs[0].targets['mlp-open']?.pass, false, 'the verdicts are the re-rendered ones');
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), runs);
    runs = record(file, summarize(runOf('2026-12-07T07:00:00Z'), 'ddd4444'));
    assert.deepEqual(runs.map((r) => r.label), ['V', 'X', 'W'], 'sorted by start; the label follows the latest recorded');
  });

  test('the table shows newest first, misses in bold, inconclusive verdicts apart from the count, and older results without an end load', () => {
    const runs: RunSummary[] = [
      { ...summarize(runOf('2026-12-06T20:00:00Z', ['binary']), 'old', 'A'), load: [3, null] },
      summarize(runOf('2026-12-07T06:34:00Z', ['iris-c64', 'mlp-naive'], ['mlp-open']), 'new', 'B'),
    ];
    const lines = renderHistory(runs).split('\n');
    assert.equal(lines.length, 4);
    assert.match(lines[0], /^\| run \| started \(UTC\) \| commit \| load \| iris c=64 ÷ HTTP \(≥ 0\.85\) \|/);
    assert.equal(lines[2], '| B | 2026-12-07 06:34 | new | 1.3 → 2.0 | **0.90** | **0.91** | 0.92 | 0.93 | 0.94 (?) | 27× | 0.96 | 0.97 | 5 of 7 |');
    assert.equal(lines[3], '| A | 2026-12-06 20:00 | old | 3.0 | 0.90 | 0.91 | 0.92 | 0.93 | 0.94 | **27×** | 0.96 | 0.97 | 7 of 8 |');
    assert.equal(renderHistory(runs, 1).split('\n').length, 3, 'only the newest runs up to the limit');
  });

  test('README gets the latest table and the history between their markers, and a README without them is an error', (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-readme-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const readme = join(dir, 'README.md');
    const marks = '<!-- bench:start (written by npm run bench) -->\nold\n<!-- bench:end -->\nkept\n<!-- bench-history:start (written by npm run bench) -->\nold\n<!-- bench-history:end -->\n';
    writeFileSync(readme, `intro\n${marks}outro\n`);
    updateReadme(readme, runOf('2026-12-07T06:34:00Z'), '| latest |', '| history |');
    const text = readFileSync(readme, 'utf8');
    assert.match(text, /^intro\n<!-- bench:start[^\n]*-->\nRun of 2026-12-07T06:34:00Z[^\n]*\n\n\| latest \|\n\n!\[benchmark chart\][^\n]*\n<!-- bench:end -->\nkept\n<!-- bench-history:start[^\n]*-->\n\| history \|\n<!-- bench-history:end -->\noutro\n$/);
    assert.doesNotMatch(text, /old/);
    writeFileSync(readme, 'intro\n<!-- bench:start (written by npm run bench) -->\n<!-- bench:end -->\n');
    assert.throws(() => updateReadme(readme, runOf('t'), '', ''), /bench-history:start/);
  });
});

async function server(t: TestContext, handler: (respond: (status: number) => void) => void, setup?: (s: Server) => void): Promise<string> {
  const s: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => handler((status) => res.writeHead(status, { 'content-length': '2' }).end('ok')));
  });
  setup?.(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => { s.closeAllConnections(); s.close(() => r()); }));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}/v2/models/m/infer`;
}

describe('interleave', () => {
  test('measures every server once per round, alone and in a rotating order, and keeps each round\'s figures', async () => {
    const served = (name: string) => ({ name, url: '', child: {}, stop: async () => undefined }) as unknown as Served;
    const servers = [served('a'), served('b'), served('c')];
    const order: string[] = [];
    let running = 0;
    const lines: string[] = [];
    const runs = await interleave({
      scenario: 'x',
      servers,
      rounds: 4,
      seconds: 2,
      load: async (server, seconds) => {
        assert.equal(running++, 0, 'one server at a time');
        await new Promise((r) => setTimeout(r, 1));
        running--;
        order.push(server.name);
        const n = order.length;
        const kernel = server.name === 'c' ? {} : { sysUsPerRequest: n / 2, wakeupsPerRequest: n / 100 };
        return { requests: n, errors: n % 2, throughput: n * 100, p50Ms: 1, p90Ms: 1, p99Ms: 1, maxMs: 1, cpuUsPerRequest: seconds * n, ...kernel };
      },
      log: (line) => lines.push(line),
    });
    assert.deepEqual(order, ['a', 'b', 'c', 'b', 'c', 'a', 'c', 'a', 'b', 'a', 'b', 'c']);
    assert.deepEqual(runs.rps, { a: [100, 600, 800, 1000], b: [200, 400, 900, 1100], c: [300, 500, 700, 1200] });
    assert.deepEqual(runs.cpuUs.a, [2, 12, 16, 20]);
    assert.deepEqual(runs.errors.c, [1, 1, 1, 0]);
    assert.deepEqual(runs.sysUs?.a, [0.5, 3, 4, 5]);
    assert.deepEqual(runs.wakeups?.b, [0.02, 0.04, 0.09, 0.11]);
    assert.ok(runs.sysUs?.c.every(Number.isNaN), 'a measurement without the split leaves NaN in its place');
    assert.equal(runs.seconds, 2);
    assert.equal(lines.length, 4);
    assert.match(lines[1], /^x interleaved round 2: b 400 req\/s \(8\.0 µs CPU\/req, 2\.0 in the kernel, 0\.04 wake-ups\/req, errors 0\), c 500 req\/s \(10\.0 µs CPU\/req, errors 1\)/);
  });
});

describe('core pinning', () => {
  test('servers get every core but the first and generators the first, only with two cores or more and when asked', () => {
    const hasTaskset = spawnSync('taskset', ['-V']).error === undefined;
    assert.deepEqual(planCpus(false, 8), {});
    assert.deepEqual(planCpus(true, 1), {});
    assert.deepEqual(planCpus(true, 2), hasTaskset ? { generators: '0', servers: '1' } : {});
    assert.deepEqual(planCpus(true, 8), hasTaskset ? { generators: '0', servers: '1-7' } : {});
  });

  test('a pinned command runs through taskset with its arguments unchanged; without cores it is left alone', () => {
    assert.deepEqual(onCpus('1', 'node', ['a.js', '--port', '1']), ['taskset', ['-c', '1', 'node', 'a.js', '--port', '1']]);
    assert.deepEqual(onCpus(undefined, 'wrk', ['-t1']), ['wrk', ['-t1']]);
  });
});

describe('loadgen', () => {
  const dir = mkdtempSync(join(tmpdir(), 'loadgen-'));
  const bodyFile = join(dir, 'body.json');
  writeFileSync(bodyFile, '{"inputs":[]}');
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));

  test('closed loop keeps its connections busy and counts non-2xx answers as errors', async (t) => {
    let n = 0;
    const url = await server(t, (respond) => respond(++n % 2 === 0 ? 503 : 200));
    const r = await runLoad({ url, bodyFile, headers: {}, mode: 'closed', connections: 2, warmupSeconds: 0, seconds: 0.3 });
    assert.ok(r.requests > 2);
    assert.ok(Math.abs(r.errors - r.requests / 2) <= 2, `about half are errors: ${r.errors} of ${r.requests}`);
  });

  test('wrk runs started together overlap in time, as the side-by-side pricing needs', async (t) => {
    if (!hasWrk()) return t.skip('wrk is not installed (apt-get install wrk)');
    const seen = [[] as number[], [] as number[]];
    const urls = await Promise.all(seen.map((times) => server(t, (respond) => (times.push(performance.now()), respond(200)))));
    const spec = (url: string) => ({ url, bodyFile, headers: {}, mode: 'closed' as const, connections: 2, warmupSeconds: 0, seconds: 1 });
    const results = await Promise.all(urls.map((url) => measure(spec(url), true)));
    for (const r of results) assert.ok(r.requests > 0 && r.errors === 0, 'the servers live in this process, so a blocked event loop would answer nothing');
    const [a, b] = seen.map((times) => [Math.min(...times), Math.max(...times)]);
    assert.ok(a[0] < b[1] && b[0] < a[1], `request times overlap: [${a.map(Math.round)}] and [${b.map(Math.round)}] ms`);
  });

  test('open loop sends on schedule and measures from the scheduled time, so a stalled server shows its stall', async (t) => {
    const url = await server(t, (respond) => setTimeout(() => respond(200), 50));
    const r = await runLoad({ url, bodyFile, headers: {}, mode: 'open', connections: 16, rate: 100, warmupSeconds: 0, seconds: 0.3 });
    assert.ok(r.requests >= 25 && r.requests <= 31, `${r.requests} requests at 100/s for 0.3 s`);
    assert.equal(r.errors, 0);
    assert.ok(r.p50Ms >= 50, 'no answer can be faster than the server\'s delay');
  });
  test('open loop keeps to its pool, opened before the clock, and counts the wait for a free connection', async (t) => {
    let connections = 0;
    const url = await server(t, (respond) => setTimeout(() => respond(200), 50), (s) => s.on('connection', () => connections++));
    // NOTE: 2 connections carry 40 answers/s of 50 ms each; at 100/s the requests queue for the pool.
    const r = await runLoad({ url, bodyFile, headers: {}, mode: 'open', connections: 2, rate: 100, warmupSeconds: 0, seconds: 0.3 });
    assert.equal(connections, 2, 'no connection beyond the pool');
    assert.equal(r.errors, 0);
    assert.ok(r.requests >= 25, `${r.requests} requests at 100/s for 0.3 s`);
    assert.ok(r.p99Ms >= 200, `latency counts from the due time, the wait for the pool included: p99 ${r.p99Ms.toFixed(0)} ms`);
  });

  test('open loop: a connection the server drops counts its request as an error and leaves the pool, losing no other request', async (t) => {
    let n = 0;
    const url = await server(t, (respond) => setTimeout(() => respond(200), 50), (s) => s.prependListener('request', (req) => {
      if (++n === 5) req.socket.destroy();
    }));
    // NOTE: 2 connections of 50 ms answers at 100/s: requests are waiting when the drop comes, and the other connection serves them.
    const r = await runLoad({ url, bodyFile, headers: {}, mode: 'open', connections: 2, rate: 100, warmupSeconds: 0, seconds: 0.3 });
    assert.equal(r.requests, 30, 'every scheduled request is answered or counted');
    assert.equal(r.errors, 1);
  });
});

describe('batched minimum (reference server)', () => {
  test('requests answered together get the same outputs as each alone', async (t) => {
    const port = await freePort();
    const model = fileURLToPath(new URL('../../models/iris/1/model.onnx', import.meta.url));
    const script = fileURLToPath(new URL('../../bench/servers/batched-minimum.ts', import.meta.url));
    const s = await serve('batched minimum', process.execPath, ['--import', 'tsx', script, String(port), JSON.stringify({ iris: model }), '1'], port);
    t.after(() => s.stop());
    const rows = Array.from({ length: 24 }, (_, i) => [4 + (i % 5) * 0.5, 2 + (i % 3) * 0.7, 1 + (i % 7) * 0.8, 0.1 + (i % 4) * 0.6]);
    const infer = async (row: number[]) => {
      const res = await fetch(`${s.url}/v2/models/iris/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: [{ name: 'features', shape: [1, 4], datatype: 'FP32', data: row }] }) });
      assert.equal(res.status, 200);
      return (await res.json()) as { outputs: { name: string; shape: number[]; data: number[] }[] };
    };
    const alone = [];
    for (const row of rows) alone.push(await infer(row));
    const together = await Promise.all(rows.map(infer));
    assert.deepEqual(together, alone);
    assert.deepEqual(alone[0].outputs.map((o) => [o.name, o.shape]), [['probabilities', [1, 3]], ['label', [1]]]);
    assert.ok(new Set(alone.map((r) => r.outputs[1].data[0])).size > 1, 'the rows are of different classes');
  });
});

describe('HTTP ceiling (baseline server)', () => {
  test('per-turn answers wait for the end of the turn, then go out together and in order', async () => {
    const sent: number[] = [];
    for (const n of [1, 2, 3]) atTurnEnd(() => sent.push(n));
    await Promise.resolve();
    assert.equal(sent.length, 0, 'nothing is written within the turn, not even after its microtasks');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(sent, [1, 2, 3]);
    atTurnEnd(() => sent.push(4));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(sent, [1, 2, 3, 4], 'a later turn gets its own flush');
  });

  const script = fileURLToPath(new URL('../../bench/servers/http-ceiling.ts', import.meta.url));
  for (const mode of [[], ['per-turn']]) {
    test(`answers every request with the captured bytes${mode.length > 0 ? ' (per-turn mode)' : ''}`, async (t) => {
      const dir = mkdtempSync(join(tmpdir(), 'ceiling-'));
      t.after(() => rmSync(dir, { recursive: true, force: true }));
      writeFileSync(join(dir, 'json'), '{"outputs":[]}');
      writeFileSync(join(dir, 'bin'), Buffer.concat([Buffer.from('{"outputs":[]}'), Buffer.alloc(8, 7)]));
      const routes = { '/v2/models/a/infer': { response: join(dir, 'json') }, '/v2/models/b/infer': { response: join(dir, 'bin'), headerLength: 14 } };
      const port = await freePort();
      const s = await serve('http-ceiling', process.execPath, ['--import', 'tsx', script, String(port), JSON.stringify(routes), ...mode], port);
      t.after(() => s.stop());
      const post = (model: string, body: string | Buffer, headers: Record<string, string>) => fetch(`${s.url}/v2/models/${model}/infer`, { method: 'POST', headers, body });
      const json = await Promise.all(Array.from({ length: 20 }, () => post('a', '{"inputs":[]}', { 'content-type': 'application/json' })));
      for (const res of json) {
        assert.equal(res.status, 200);
        assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
        assert.equal(await res.text(), '{"outputs":[]}');
      }
      const bin = await post('b', Buffer.concat([Buffer.from('{"inputs":[]}'), Buffer.alloc(4)]), { 'content-type': 'application/octet-stream', 'inference-header-content-length': '13' });
      assert.equal(bin.status, 200);
      assert.equal(bin.headers.get('inference-header-content-length'), '14');
      assert.deepEqual(Buffer.from(await bin.arrayBuffer()), readFileSync(join(dir, 'bin')));
    });
  }
});
