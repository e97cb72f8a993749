// src/monitoring/drift/drift-monitor.ts: in-distribution traffic stays under the thresholds, shifted traffic crosses them.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Tensor } from '../../../src/inference/tensor.js';
import { DriftMonitor } from '../../../src/monitoring/drift/drift-monitor.js';
import { psi, toProportions } from '../../../src/monitoring/drift/statistics.js';
import { planMonitoring, type MonitorPlan } from '../../../src/monitoring/monitor-plan.js';
import { buildProfile } from '../../../src/monitoring/profile/build-profile.js';
import { ModelConfigSchema } from '../../../src/repository/model-config.js';
import { parseProfile, serializeProfile } from '../../../src/repository/profile-file.js';
import { mulberry32 } from '../../../tools/train/prng.js';

const COLORS = ['red', 'green', 'blue', 'black'];
const COLOR_SHARES = [0.5, 0.3, 0.15, 0.05];

/** Rows of a synthetic model: x = [a ~ N(0,1), b ~ U(0,10)], color one of 4 strings, scores argmax = class. */
interface Traffic {
  shiftA?: number;
  scaleB?: number;
  colorShares?: number[];
  classShares?: number[];
  missingA?: number;
}

function generator(seed: number) {
  const random = mulberry32(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const pick = (shares: number[]) => {
    let u = random();
    for (let i = 0; i < shares.length; i++) if ((u -= shares[i]) < 0) return i;
    return shares.length - 1;
  };
  return (rows: number, t: Traffic = {}) => {
    const x = new Float32Array(rows * 2);
    const color: string[] = [];
    const scores = new Float32Array(rows * 3);
    for (let r = 0; r < rows; r++) {
      x[r * 2] = random() < (t.missingA ?? 0) ? NaN : normal() + (t.shiftA ?? 0);
      x[r * 2 + 1] = random() * 10 * (t.scaleB ?? 1);
      color.push(COLORS[pick(t.colorShares ?? COLOR_SHARES)]);
      scores[r * 3 + pick(t.classShares ?? [0.6, 0.3, 0.1])] = 1;
    }
    const inputs: Record<string, Tensor> = { x: { datatype: 'FP32', shape: [rows, 2], data: x }, color: { datatype: 'BYTES', shape: [rows], data: color } };
    const outputs: Record<string, Tensor> = { scores: { datatype: 'FP32', shape: [rows, 3], data: scores } };
    return { inputs, outputs };
  };
}

const SIGNATURE = {
  inputs: [{ name: 'x', datatype: 'FP32' as const, shape: [-1, 2] }, { name: 'color', datatype: 'BYTES' as const, shape: [-1] }],
  outputs: [{ name: 'scores', datatype: 'FP32' as const, shape: [-1, 3] }],
};
const CONFIG = ModelConfigSchema.parse({
  monitoring: { inputs: { x: ['a', 'b'], color: [{ name: 'color', type: 'categorical' }] }, outputs: { scores: 'classes' }, drift: { minSamples: 500 } },
});

/** The reference: 20,000 rows of the undrifted generator, through the same builder `onnx-serve profile` uses. */
function referencePlan(): MonitorPlan {
  const { inputs, outputs } = generator(1)(20_000);
  const x = inputs.x.data as Float32Array;
  const scores = outputs.scores.data as Float32Array;
  const profile = buildProfile({
    rows: 20_000,
    features: [
      { name: 'a', input: 'x', column: 0, type: 'numeric', values: x.filter((_, i) => i % 2 === 0) },
      { name: 'b', input: 'x', column: 1, type: 'numeric', values: x.filter((_, i) => i % 2 === 1) },
      { name: 'color', input: 'color', column: 0, type: 'categorical', values: inputs.color.data as string[] },
    ],
    outputs: [{ name: 'scores', type: 'classes', classes: 3, values: Array.from({ length: 20_000 }, (_, r) => scores.subarray(r * 3, r * 3 + 3).indexOf(1)) }],
  });
  const plan = planMonitoring({ config: CONFIG, signature: SIGNATURE, profile: parseProfile(serializeProfile(profile)) });
  assert.ok(plan?.drift, `drift planned: ${plan?.notes.join('; ')}`);
  return plan;
}

const PLAN = referencePlan();
const SETTINGS = CONFIG.monitoring.drift;

function monitorWith(seed: number, batches: [number, Traffic][], clock = { now: 0 }): DriftMonitor {
  const monitor = new DriftMonitor(PLAN, SETTINGS.window, () => clock.now);
  const next = generator(seed);
  for (const [rows, traffic] of batches) {
    const { inputs, outputs } = next(rows, traffic);
    monitor.observe(inputs, outputs);
  }
  return monitor;
}

const feature = (m: DriftMonitor, name: string) => m.snapshot(SETTINGS).features.find((f) => f.name === name)!;

describe('drift on in-distribution traffic', () => {
  for (const seed of [2, 3, 4]) {
    test(`(seed ${seed}, 1,000 rows in batches of 1–50) crosses no threshold`, () => {
      const random = mulberry32(seed * 100);
      const batches: [number, Traffic][] = [];
      for (let n = 0; n < 1_000; ) {
        const rows = Math.min(1 + Math.floor(random() * 50), 1_000 - n);
        batches.push([rows, {}]);
        n += rows;
      }
      const s = monitorWith(seed, batches).snapshot(SETTINGS);
      assert.equal(s.samples, 1_000);
      assert.equal(s.ready, true);
      for (const f of s.features) {
        assert.equal(f.drifted, false, `${f.name} drifted: ${JSON.stringify(f)}`);
        if (f.psi !== undefined) assert.ok(f.psi < 0.1, `${f.name} PSI ${f.psi} is stable (< 0.1)`);
      }
      assert.equal(s.driftedShare, 0);
      assert.equal(s.datasetDrifted, false);
      assert.equal(s.predictionDrifted, false);
    });
  }
});

describe('drift on shifted traffic', () => {
  test('a one-sigma mean shift of one numeric feature drifts that feature only (PSI ≈ 1 > 0.25)', () => {
    const m = monitorWith(5, [[1_000, { shiftA: 1 }]]);
    const a = feature(m, 'a');
    assert.equal(a.drifted, true);
    assert.ok(a.psi! > 0.6 && a.psi! < 1.6, `PSI ${a.psi} near the theoretical 1`);
    assert.ok(a.ks! > 0.3, `KS ${a.ks}`);
    assert.equal(feature(m, 'b').drifted, false);
    const s = m.snapshot(SETTINGS);
    assert.equal(s.driftedShare, 1 / 3);
    assert.equal(s.datasetDrifted, false, 'one of three features is under the 0.5 dataset share');
  });

  test('two drifting features of three make the dataset drift', () => {
    const s = monitorWith(6, [[1_000, { shiftA: 1, scaleB: 1.5 }]]).snapshot(SETTINGS);
    assert.equal(s.driftedShare, 2 / 3);
    assert.equal(s.datasetDrifted, true);
  });

  test('a categorical feature whose shares move drifts by Jensen-Shannon and L-infinity', () => {
    const color = feature(monitorWith(7, [[1_000, { colorShares: [0.25, 0.25, 0.25, 0.25] }]]), 'color');
    assert.equal(color.drifted, true);
    assert.ok(color.linf! > 0.2, `L∞ ${color.linf}`);
    assert.ok(color.js! > 0.1, `JS ${color.js}`);
  });

  test('unseen categories count as "other" and make the feature drift', () => {
    const m = new DriftMonitor(PLAN, SETTINGS.window, () => 0);
    const { inputs, outputs } = generator(8)(600);
    inputs.color = { datatype: 'BYTES', shape: [600], data: new Array(600).fill('purple') };
    m.observe(inputs, outputs);
    const color = m.snapshot(SETTINGS).features.find((f) => f.name === 'color')!;
    assert.equal(color.drifted, true);
    assert.equal(color.linf, 1 - 0, 'all the mass moved to "other" (reference share 0)');
  });

  test('predictions whose class shares move are prediction drift', () => {
    const s = monitorWith(9, [[1_000, { classShares: [0.2, 0.3, 0.5] }]]).snapshot(SETTINGS);
    assert.equal(s.predictionDrifted, true);
    assert.equal(s.datasetDrifted, false);
    const shares = s.outputs[0].classShares!;
    assert.ok(Math.abs(shares[2] - 0.5) < 0.06, `class 2 share ${shares[2]}`);
  });

  test('missing values are reported and move PSI through the missing slot', () => {
    const a = feature(monitorWith(10, [[1_000, { missingA: 0.3 }]]), 'a');
    assert.ok(Math.abs(a.missing! - 0.3) < 0.05, `missing ${a.missing}`);
    assert.equal(a.drifted, true);
  });
});

describe('the window', () => {
  test('gives no statistic and no verdict below the minimum sample count', () => {
    const s = monitorWith(11, [[499, { shiftA: 3 }]]).snapshot(SETTINGS);
    assert.equal(s.samples, 499);
    assert.equal(s.ready, false);
    assert.deepEqual(s.features, []);
    assert.equal(s.datasetDrifted, undefined);
  });

  test('forgets shifted traffic once it slides out, and keeps a constant size', () => {
    const clock = { now: 0 };
    const m = monitorWith(12, [[1_000, { shiftA: 2 }]], clock);
    const bytes = m.bytes;
    assert.equal(feature(m, 'a').drifted, true);
    clock.now = 3_600_000 + 1;
    assert.equal(m.snapshot(SETTINGS).samples, 0);
    const next = generator(13);
    for (let i = 0; i < 20; i++) {
      const { inputs, outputs } = next(50);
      m.observe(inputs, outputs);
    }
    assert.equal(feature(m, 'a').drifted, false);
    assert.equal(m.bytes, bytes);
    // 1 sample counter + (2 + 1 + 8…12) slots per distribution, × 12 int32 buckets + float64 totals
    assert.ok(bytes < 4_000, `${bytes} bytes`);
  });

  test('takes thresholds at snapshot time, so a changed model.yaml applies at once', () => {
    const m = monitorWith(14, [[1_000, { shiftA: 0.3 }]]);
    const strict = { ...SETTINGS, psi: 0.01, ks: 0.01 };
    assert.equal(m.snapshot(SETTINGS).features[0].drifted, false);
    assert.equal(m.snapshot(strict).features[0].drifted, true);
  });

  test("computes PSI over exactly the rows' bins (checked by binning the rows independently)", () => {
    const next = generator(15);
    const m = new DriftMonitor(PLAN, SETTINGS.window, () => 0);
    const counts = new Float64Array(PLAN.features[0].reference.length);
    for (let i = 0; i < 10; i++) {
      const { inputs, outputs } = next(60, { shiftA: 0.5 });
      m.observe(inputs, outputs);
      const x = inputs.x.data as Float32Array;
      for (let r = 0; r < 60; r++) counts[PLAN.features[0].numeric!.slot(x[r * 2])]++;
    }
    assert.equal(feature(m, 'a').psi, psi(PLAN.features[0].reference, toProportions(counts)));
  });
});
