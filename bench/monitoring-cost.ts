// What drift and accuracy monitoring costs: iris inference with monitoring on against off, in the same run.
//
//   npx tsx bench/monitoring-cost.ts [--rounds 20] [--seconds 0.5]
//
// Two apps over models/ (metrics on in both), driven in-process through inject() so the load generator does
// not compete for a socket; rounds alternate on/off so machine noise hits both alike. Then the per-row cost of
// the drift monitor alone, on iris's plan and on a 100-feature one.
import { parseArgs } from 'node:util';
import pino from 'pino';
import { buildApp } from '../src/app.js';
import { createConfig } from '../src/config/load.js';
import type { Tensor } from '../src/inference/tensor.js';
import { DriftMonitor } from '../src/monitoring/drift/drift-monitor.js';
import { FeedbackStore } from '../src/monitoring/feedback/feedback-store.js';
import { planMonitoring } from '../src/monitoring/monitor-plan.js';
import { buildProfile } from '../src/monitoring/profile/build-profile.js';
import { ModelConfigSchema } from '../src/repository/model-config.js';
import { parseProfile, serializeProfile } from '../src/repository/profile-file.js';
import { irisTraffic } from '../tools/drift/iris-traffic.js';
import { DEFAULT_REPOSITORY } from '../tools/models/repository.js';
import { mulberry32 } from '../tools/train/prng.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '20' }, seconds: { type: 'string', default: '0.5' } } });
const ROUNDS = Number(values.rounds);
const ROUND_MS = Number(values.seconds) * 1000;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function app(monitoring: boolean) {
  const a = await buildApp(createConfig({ models: DEFAULT_REPOSITORY, monitoring, logLevel: 'silent', docs: false }), { logger: pino({ level: 'silent' }) });
  await a.loadModels();
  return a;
}

interface Round {
  /** Requests per second (wall clock: what a client sees, and what a busy machine disturbs most). */
  rps: number;
  /** Process CPU time per request in µs (user + system, onnxruntime's threads included): steadier under load. */
  cpuUs: number;
}

/** One round: sequential requests for ROUND_MS. */
async function round(a: Awaited<ReturnType<typeof app>>, payload: string): Promise<Round> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  let n = 0;
  while (performance.now() - started < ROUND_MS) {
    const res = await a.inject({ method: 'POST', url: '/v2/models/iris/versions/2/infer', payload, headers: { 'content-type': 'application/json' } });
    if (res.statusCode !== 200) throw new Error(res.body);
    n++;
  }
  const used = process.cpuUsage(cpu);
  return { rps: (n * 1000) / (performance.now() - started), cpuUs: (used.user + used.system) / n };
}

async function throughput(): Promise<void> {
  const [on, off] = [await app(true), await app(false)];
  const traffic = irisTraffic(1);
  console.log(`iris v2 over inject(), one request at a time, ${ROUNDS} rounds of ${ROUND_MS} ms per mode; medians`);
  for (const rows of [1, 64]) {
    const sample = traffic.sample(rows);
    const payload = JSON.stringify({ inputs: [{ name: 'features', datatype: 'FP32', shape: [rows, 4], data: sample.flatMap((r) => r.features) }] });
    await round(on, payload);
    await round(off, payload); // NOTE: warm-up rounds, not counted
    const results = { on: [] as Round[], off: [] as Round[] };
    for (let r = 0; r < ROUNDS; r++) {
      const order: ['on' | 'off', typeof on][] = r % 2 === 0 ? [['on', on], ['off', off]] : [['off', off], ['on', on]];
      for (const [mode, a] of order) results[mode].push(await round(a, payload));
    }
    // NOTE: medians of each round pair's ratio: a pair runs back to back, so slow drifts of machine load cancel.
    const pairs = (read: (x: Round) => number) => median(results.on.map((x, i) => read(x) / read(results.off[i])));
    const [rpsOn, rpsOff] = [median(results.on.map((x) => x.rps)), median(results.off.map((x) => x.rps))];
    const [cpuOn, cpuOff] = [median(results.on.map((x) => x.cpuUs)), median(results.off.map((x) => x.cpuUs))];
    console.log(`  ${String(rows).padStart(2)} row(s)/request:`);
    console.log(`     throughput  off ${rpsOff.toFixed(0)} req/s (${(rpsOff * rows).toFixed(0)} rows/s), on ${rpsOn.toFixed(0)} req/s; on/off ${pairs((x) => x.rps).toFixed(3)}`);
    console.log(`     CPU/request off ${cpuOff.toFixed(0)} µs, on ${cpuOn.toFixed(0)} µs; on/off ${pairs((x) => x.cpuUs).toFixed(3)} (+${(cpuOn - cpuOff).toFixed(0)} µs, ${((cpuOn - cpuOff) / rows).toFixed(2)} µs per row)`);
  }
  await on.close();
  await off.close();
}

/** ns per row of DriftMonitor.observe for a plan of `features` numeric features in one [batch, n] input. */
function observeCost(features: number, rows: number): number {
  const random = mulberry32(features);
  const reference = Float32Array.from({ length: 10_000 * features }, () => random());
  const profile = buildProfile({
    rows: 10_000,
    features: Array.from({ length: features }, (_, c) => ({ name: `f${c}`, input: 'x', column: c, type: 'numeric' as const, values: reference.filter((_, i) => i % features === c) })),
    outputs: [{ name: 'y', type: 'classes', classes: 3, values: Array.from({ length: 10_000 }, (_, i) => i % 3) }],
  });
  const signature = { inputs: [{ name: 'x', datatype: 'FP32' as const, shape: [-1, features] }], outputs: [{ name: 'y', datatype: 'FP32' as const, shape: [-1, 3] }] };
  const plan = planMonitoring({ config: ModelConfigSchema.parse({}), signature, profile: parseProfile(serializeProfile(profile)) })!;
  const monitor = new DriftMonitor(plan, { seconds: 3600, buckets: 12 });
  const inputs: Record<string, Tensor> = { x: { datatype: 'FP32', shape: [rows, features], data: Float32Array.from({ length: rows * features }, () => random()) } };
  const outputs: Record<string, Tensor> = { y: { datatype: 'FP32', shape: [rows, 3], data: Float32Array.from({ length: rows * 3 }, () => random()) } };
  for (let i = 0; i < 200; i++) monitor.observe(inputs, outputs);
  const samples: number[] = [];
  for (let r = 0; r < 9; r++) {
    const started = process.hrtime.bigint();
    const n = Math.max(1, Math.floor(200_000 / rows / Math.max(1, features / 4)));
    for (let i = 0; i < n; i++) monitor.observe(inputs, outputs);
    samples.push(Number(process.hrtime.bigint() - started) / (n * rows));
  }
  return median(samples);
}

/** ns per request of FeedbackStore.remember on a full store (each insert evicts), with uuid-like ids. */
function rememberCost(rows: number): number {
  const store = new FeedbackStore<object>({ ttlMs: 86_400_000, maxRows: 100_000 });
  const owner = {};
  let id = 0;
  const next = () => `iris\u0000${(id++).toString(16).padStart(8, '0')}-7d2c-4b1e-9c3a-5e8f${(id % 65536).toString(16).padStart(8, '0')}`;
  for (let i = 0; i < 120_000 / rows; i++) store.remember(next(), owner, rows === 1 ? 1 : new Float64Array(rows));
  const samples: number[] = [];
  for (let r = 0; r < 9; r++) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < 20_000; i++) store.remember(next(), owner, rows === 1 ? 1 : new Float64Array(rows));
    samples.push(Number(process.hrtime.bigint() - started) / 20_000);
  }
  return median(samples);
}

await throughput();
console.log('DriftMonitor.observe alone (ns per row, median of 9 runs)');
for (const features of [4, 100]) {
  for (const rows of [1, 64]) console.log(`  ${String(features).padStart(3)} features, ${String(rows).padStart(2)} row(s)/request: ${observeCost(features, rows).toFixed(0)} ns/row`);
}
console.log('FeedbackStore.remember on a full store (ns per request, median of 9 runs)');
for (const rows of [1, 64]) console.log(`  ${String(rows).padStart(2)} row(s)/request: ${rememberCost(rows).toFixed(0)} ns`);
