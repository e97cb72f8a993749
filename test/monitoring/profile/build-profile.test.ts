// src/monitoring/profile/build-profile.ts: reference statistics computed by hand for small data sets.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  buildProfile,
  categoricalStats,
  classificationPerformance,
  classStats,
  numericStats,
  regressionPerformance,
} from '../../../src/monitoring/profile/build-profile.js';

describe('numericStats', () => {
  test('1…10 in 5 quantile bins: edges 3, 5, 7, 9, two values per bin, empty outer bins', () => {
    const s = numericStats('x', [10, 9, 8, 7, 6, 5, 4, 3, 2, 1], 5);
    assert.deepEqual({ min: s.min, max: s.max, edges: s.edges }, { min: 1, max: 10, edges: [3, 5, 7, 9] });
    assert.deepEqual(s.proportions, [0, 0.2, 0.2, 0.2, 0.2, 0.2, 0]);
    assert.equal(s.mean, 5.5);
    assert.ok(Math.abs(s.std - Math.sqrt(8.25)) < 1e-12, 'population std of 1…10 is sqrt(8.25)');
    assert.equal(s.missingRate, 0);
  });

  test('ties collapse into one edge; a 0/1 feature keeps its two values in separate bins', () => {
    const s = numericStats('flag', [0, 0, 0, 0, 0, 0, 1, 1, 1, 1], 10);
    assert.deepEqual(s.edges, [1]);
    assert.deepEqual(s.proportions, [0, 0.6, 0.4, 0]);
  });

  test('NaN is missing: counted in missingRate, left out of bins, mean and std', () => {
    const s = numericStats('x', [1, NaN, 3, NaN], 2);
    assert.equal(s.missingRate, 0.5);
    assert.equal(s.mean, 2);
    assert.equal(s.std, 1);
    assert.deepEqual(s.edges, [3]);
    assert.deepEqual(s.proportions, [0, 0.5, 0.5, 0]);
  });

  test('a constant feature has no edges and one bin', () => {
    assert.deepEqual(numericStats('c', [4, 4, 4], 10).proportions, [0, 1, 0]);
  });

  test('a feature with no values is an error naming it', () => {
    assert.throws(() => numericStats('empty', [NaN, NaN]), /'empty' has no values/);
  });
});

describe('categoricalStats', () => {
  test('keeps the top K by count (ties by value), the rest is "other"; null and "" are missing', () => {
    const s = categoricalStats('c', ['b', 'a', 'c', 'a', 'b', 'd', null, '', 'a'], 2);
    assert.deepEqual(s.categories, ['a', 'b']);
    assert.deepEqual(s.proportions, [3 / 7, 2 / 7, 2 / 7]);
    assert.equal(s.missingRate, 2 / 9);
  });

  test('numbers become their text, so numeric tensors match them', () => {
    assert.deepEqual(categoricalStats('n', [3, 1, 3, NaN]).categories, ['3', '1']);
  });
});

describe('classStats and performance', () => {
  test('class shares, with out-of-range predictions in the last slot', () => {
    assert.deepEqual(classStats([0, 1, 1, 2, -1], 3).proportions, [0.2, 0.4, 0.2, 0.2]);
  });

  test('accuracy is the share of equal class indices', () => {
    assert.deepEqual(classificationPerformance('y', [0, 1, 2, 2], [0, 1, 1, 2]), { task: 'classification', output: 'y', rows: 4, accuracy: 0.75 });
  });

  test('MAE and RMSE by hand: errors 1, −1, 2, 0', () => {
    assert.deepEqual(regressionPerformance('y', [2, 1, 5, 4], [1, 2, 3, 4]), { task: 'regression', output: 'y', rows: 4, mae: 1, rmse: Math.sqrt(6 / 4) });
  });

  test('mismatched or empty predictions are errors', () => {
    assert.throws(() => classificationPerformance('y', [1], [1, 2]));
    assert.throws(() => regressionPerformance('y', [], []));
  });
});

test('buildProfile assembles features and outputs, and checks the row count', () => {
  const p = buildProfile({
    rows: 4,
    source: 'test',
    features: [
      { name: 'x', input: 'in', column: 0, type: 'numeric', values: [1, 2, 3, 4] },
      { name: 'c', input: 'in2', column: 0, type: 'categorical', values: ['a', 'a', 'b', 'b'] },
    ],
    outputs: [{ name: 'y', type: 'classes', classes: 2, values: [0, 1, 1, 1] }],
    bins: 2,
  });
  assert.deepEqual(p.features.map((f) => [f.name, f.input, f.column, f.type]), [['x', 'in', 0, 'numeric'], ['c', 'in2', 0, 'categorical']]);
  assert.deepEqual(p.outputs[0], { name: 'y', type: 'classes', classes: 2, proportions: [0.25, 0.75, 0] });
  assert.equal(p.performance, undefined);
  assert.throws(() => buildProfile({ rows: 5, features: [{ name: 'x', input: 'in', column: 0, type: 'numeric', values: [1] }], outputs: [] }), /1 values for 5 rows/);
});
