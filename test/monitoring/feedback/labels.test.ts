// src/monitoring/feedback/labels.ts: ground truth from class names, indices and values, with clear errors.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { classOfLabel, groundTruth } from '../../../src/monitoring/feedback/labels.js';
import type { TargetPlan } from '../../../src/monitoring/monitor-plan.js';

const IRIS: TargetPlan = { output: 'label', task: 'classification', kind: 'bigint', reader: 'index', classes: 3, labels: ['setosa', 'versicolor', 'virginica'] };
const UNNAMED: TargetPlan = { output: 'scores', task: 'classification', kind: 'number', reader: 'argmax', classes: 4 };
const OPEN: TargetPlan = { output: 'id', task: 'classification', kind: 'bigint', reader: 'index' };
const REGRESSION: TargetPlan = { output: 'price', task: 'regression', kind: 'number' };

describe('classOfLabel', () => {
  const cases: [string, TargetPlan, string | number, number | RegExp][] = [
    ['a class name', IRIS, 'virginica', 2],
    ['an index', IRIS, 1, 1],
    ['an index as text', IRIS, '0', 0],
    ['an unknown name', IRIS, 'rose', /unknown class 'rose'/],
    ['an index out of range', IRIS, 3, /out of range \(the model has 3\)/],
    ['a negative index', IRIS, -1, /not a class index/],
    ['a fractional index', UNNAMED, 1.5, /not a class index/],
    ['a name where model.yaml names none', UNNAMED, 'cat', /model.yaml names no labels/],
    ['a large index when the class count is unknown', OPEN, 999, 999],
    ['a leading-zero index', UNNAMED, '01', /model.yaml names no labels/],
  ];
  for (const [what, target, label, expected] of cases) {
    test(`${what} (${JSON.stringify(label)}) gives ${expected}`, () => {
      const got = classOfLabel(label, target);
      if (expected instanceof RegExp) assert.match(String(got), expected);
      else assert.equal(got, expected);
    });
  }
});

describe('groundTruth', () => {
  test('takes one label for a one-row prediction, and one per row for a batch', () => {
    assert.deepEqual(groundTruth({ label: 'setosa' }, IRIS, 1), [0]);
    assert.deepEqual(groundTruth({ label: ['setosa', 2, '1'] }, IRIS, 3), [0, 2, 1]);
    assert.deepEqual(groundTruth({ value: [1.5, -2] }, REGRESSION, 2), [1.5, -2]);
  });

  test('names the mismatch: wrong field, wrong row count, a bad element', () => {
    assert.match(String(groundTruth({ value: 1 }, IRIS, 1)), /classification output: give "label"/);
    assert.match(String(groundTruth({ label: 1 }, REGRESSION, 1)), /regression output: give "value"/);
    assert.match(String(groundTruth({ label: [0, 1] }, IRIS, 3)), /has 3 rows, the feedback 2/);
    assert.match(String(groundTruth({ label: ['setosa', 'tulip'] }, IRIS, 2)), /unknown class 'tulip'/);
    assert.match(String(groundTruth({ value: [1, Infinity] }, REGRESSION, 2)), /not a finite number/);
  });
});
