// src/monitoring/drift/binning.ts: every value lands in the slot the profile's bins describe.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CategoricalBinner, NumericBinner, upperBound } from '../../../src/monitoring/drift/binning.js';
import { mulberry32 } from '../../../tools/train/prng.js';

describe('NumericBinner over [0, 10] cut at 2, 5, 7', () => {
  const binner = new NumericBinner(0, 10, [2, 5, 7]);
  const cases: [number, number, string][] = [
    [-0.001, 0, 'below the reference minimum'],
    [-Infinity, 0, 'minus infinity'],
    [0, 1, 'the minimum itself'],
    [1.999, 1, 'just below the first edge'],
    [2, 2, 'the first edge (bins are closed on the left)'],
    [4.5, 2, 'inside the second bin'],
    [5, 3, 'the second edge'],
    [7, 4, 'the last edge'],
    [10, 4, 'the maximum (the last bin is closed on both sides)'],
    [10.001, 5, 'above the maximum'],
    [Infinity, 5, 'plus infinity'],
    [NaN, 6, 'NaN (missing)'],
  ];
  for (const [value, slot, what] of cases) test(`puts ${what} (${value}) in slot ${slot}`, () => assert.equal(binner.slot(value), slot));

  test('has edges + 4 slots: below, 4 within the range, above, missing', () => {
    assert.equal(binner.slots, 7);
    assert.equal(binner.missingSlot, 6);
  });
});

describe('NumericBinner edge cases', () => {
  test('a constant reference (min = max, no edges) has one bin for that value', () => {
    const binner = new NumericBinner(3, 3, []);
    assert.deepEqual([2.9, 3, 3.1, NaN].map((v) => binner.slot(v)), [0, 1, 2, 3]);
  });

  test('a 0/1 reference cut at 1 keeps the two values apart', () => {
    const binner = new NumericBinner(0, 1, [1]);
    assert.deepEqual([0, 1].map((v) => binner.slot(v)), [1, 2]);
  });

  for (const [what, min, max, edges] of [
    ['edges that do not increase', 0, 10, [5, 5]],
    ['an edge at the minimum', 0, 10, [0, 5]],
    ['an edge above the maximum', 0, 10, [11]],
    ['an empty range', 5, 4, []],
    ['a NaN bound', NaN, 4, []],
  ] as const) {
    test(`rejects ${what}`, () => assert.throws(() => new NumericBinner(min, max, [...edges]), RangeError));
  }

  test('countColumn counts a strided column exactly as slot() bins each value', () => {
    const random = mulberry32(4);
    const binner = new NumericBinner(-1, 1, [-0.5, 0, 0.25, 0.9]);
    const [rows, stride, column] = [500, 3, 1];
    const values = Float32Array.from({ length: rows * stride }, () => (random() < 0.05 ? NaN : random() * 3 - 1.5));
    const counts = new Int32Array(5 + binner.slots);
    binner.countColumn(values, column, stride, rows, counts, 5);
    const expected = new Int32Array(5 + binner.slots);
    for (let r = 0; r < rows; r++) expected[5 + binner.slot(values[r * stride + column])]++;
    assert.deepEqual(counts, expected);
    assert.ok(expected[5 + binner.missingSlot] > 0 && expected[5] > 0 && expected[5 + binner.slots - 2] > 0, 'every kind of slot is exercised');
  });

  test('the binary search agrees with a linear scan on random edges and values', () => {
    const random = mulberry32(3);
    for (let trial = 0; trial < 200; trial++) {
      const edges = Array.from({ length: Math.floor(random() * 30) }, () => Math.round(random() * 100)).sort((a, b) => a - b);
      for (let k = 0; k < 20; k++) {
        const v = Math.round(random() * 110) - 5;
        assert.equal(upperBound(edges, v), edges.filter((e) => e <= v).length);
      }
    }
  });
});

describe('CategoricalBinner', () => {
  const binner = new CategoricalBinner(['red', 'green', '3', '-1.5']);
  const strings: [string, number][] = [['red', 0], ['green', 1], ['3', 2], ['blue', 4], ['', 5], ['RED', 4]];
  for (const [value, slot] of strings) test(`puts the string '${value}' in slot ${slot}`, () => assert.equal(binner.slotOfString(value), slot));

  const numbers: [number, number][] = [[3, 2], [-1.5, 3], [4, 4], [NaN, 5]];
  for (const [value, slot] of numbers) test(`puts the number ${value} in slot ${slot}`, () => assert.equal(binner.slotOfNumber(value), slot));

  test('has categories + 2 slots (other, missing) and rejects duplicate categories', () => {
    assert.equal(binner.slots, 6);
    assert.equal(binner.otherSlot, 4);
    assert.throws(() => new CategoricalBinner(['a', 'a']), RangeError);
  });
});
