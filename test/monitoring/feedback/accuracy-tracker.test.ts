// src/monitoring/feedback/accuracy-tracker.ts: rolling accuracy and MAE/RMSE against the reference, in a window.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AccuracyTracker } from '../../../src/monitoring/feedback/accuracy-tracker.js';
import { AccuracySettingsSchema } from '../../../src/repository/monitoring-config.js';
import { mulberry32 } from '../../../tools/train/prng.js';

const SETTINGS = AccuracySettingsSchema.parse({ minSamples: 10 });

describe('classification', () => {
  test('reports accuracy, the drop from the reference, and a verdict past maxDrop', () => {
    const t = new AccuracyTracker('classification', SETTINGS.window, { task: 'classification', output: 'y', rows: 30, accuracy: 0.95 }, () => 0);
    for (let i = 0; i < 100; i++) t.record(i % 5 === 0 ? 1 : 0, 0); // 80 correct
    const s = t.snapshot(SETTINGS);
    assert.equal(s.samples, 100);
    assert.equal(s.accuracy, 0.8);
    assert.equal(s.referenceAccuracy, 0.95);
    assert.ok(Math.abs(s.drop! - 0.15) < 1e-12);
    assert.equal(s.degraded, true);
    assert.equal(t.snapshot({ ...SETTINGS, maxDrop: 0.2 }).degraded, false);
  });

  test('gives no accuracy and no verdict below the minimum sample count, but the reference', () => {
    const t = new AccuracyTracker('classification', SETTINGS.window, { task: 'classification', output: 'y', rows: 30, accuracy: 0.9 }, () => 0);
    for (let i = 0; i < 9; i++) t.record(1, 0);
    const s = t.snapshot(SETTINGS);
    assert.deepEqual(s, { task: 'classification', samples: 9, ready: false, referenceAccuracy: 0.9 });
  });

  test('without a reference gives accuracy but no drop or verdict', () => {
    const t = new AccuracyTracker('classification', SETTINGS.window, undefined, () => 0);
    for (let i = 0; i < 10; i++) t.record(1, 1);
    assert.deepEqual(t.snapshot(SETTINGS), { task: 'classification', samples: 10, ready: true, accuracy: 1 });
  });

  test('counts labels by arrival and lets them slide out of the window', () => {
    const clock = { now: 0 };
    const t = new AccuracyTracker('classification', { seconds: 60, buckets: 6 }, undefined, () => clock.now);
    for (let i = 0; i < 20; i++) t.record(0, 1);
    clock.now = 30_000;
    for (let i = 0; i < 20; i++) t.record(1, 1);
    assert.equal(t.snapshot(SETTINGS).accuracy, 0.5);
    clock.now = 60_000;
    assert.equal(t.snapshot(SETTINGS).accuracy, 1, 'the first 20 (all wrong) left the window');
  });
});

describe('regression', () => {
  test('MAE and RMSE match a direct computation, and the error increase is against the reference MAE', () => {
    const random = mulberry32(21);
    const t = new AccuracyTracker('regression', SETTINGS.window, { task: 'regression', output: 'y', rows: 50, mae: 0.5, rmse: 0.7 }, () => 0);
    const errors: number[] = [];
    for (let i = 0; i < 500; i++) {
      const actual = random() * 10;
      const predicted = actual + (random() - 0.5) * 2;
      errors.push(predicted - actual);
      t.record(predicted, actual);
    }
    const mae = errors.reduce((s, e) => s + Math.abs(e), 0) / errors.length;
    const rmse = Math.sqrt(errors.reduce((s, e) => s + e * e, 0) / errors.length);
    const s = t.snapshot(SETTINGS);
    assert.ok(Math.abs(s.mae! - mae) < 1e-9 && Math.abs(s.rmse! - rmse) < 1e-9, JSON.stringify(s));
    assert.ok(Math.abs(s.errorIncrease! - (mae / 0.5 - 1)) < 1e-9);
    assert.equal(s.degraded, s.errorIncrease! > 0.25);
    assert.deepEqual([s.referenceMae, s.referenceRmse], [0.5, 0.7]);
  });

  test('a perfect reference (MAE 0) makes any error an infinite increase, and none no increase', () => {
    const ref = { task: 'regression' as const, output: 'y', rows: 1, mae: 0, rmse: 0 };
    const exact = new AccuracyTracker('regression', SETTINGS.window, ref, () => 0);
    for (let i = 0; i < 10; i++) exact.record(1, 1);
    assert.equal(exact.snapshot(SETTINGS).errorIncrease, 0);
    exact.record(2, 1);
    assert.equal(exact.snapshot(SETTINGS).errorIncrease, Infinity);
    assert.equal(exact.snapshot(SETTINGS).degraded, true);
  });
});
