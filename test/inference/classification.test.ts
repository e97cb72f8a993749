// src/inference/classification.ts: top-N "value:index[:label]" strings per batch row, highest first.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classify } from '../../src/inference/classification.js';
import type { Tensor } from '../../src/inference/tensor.js';

const LABELS = ['cat', 'dog', 'bird', 'fish'];
const fp32 = (shape: number[], values: number[]): Tensor => ({ datatype: 'FP32', shape, data: Float32Array.from(values) });

test('each batch row gets its own top N with labels, highest first', () => {
  const out = classify(fp32([2, 4], [0.1, 0.7, 0.15, 0.05, 0.5, 0.2, 0.1, 0.2]), 2, LABELS);
  assert.deepEqual(out, { datatype: 'BYTES', shape: [2, 2], data: ['0.7:1:dog', '0.15:2:bird', '0.5:0:cat', '0.2:1:dog'] });
});

test('without labels the strings are value:index', () => {
  assert.deepEqual(classify(fp32([1, 3], [1, 3.5, 2]), 3).data, ['3.5:1', '2:2', '1:0']);
});

test('equal scores keep the lower index first', () => {
  assert.deepEqual(classify(fp32([1, 4], [0.25, 0.25, 0.25, 0.25]), 4).data, ['0.25:0', '0.25:1', '0.25:2', '0.25:3']);
  assert.deepEqual(classify(fp32([1, 4], [1, 5, 2, 5]), 3).data, ['5:1', '5:3', '2:2']);
});

test('ties are ordered by index in every row, not only the first', () => {
  const out = classify(fp32([2, 3], [9, 1, 1, 2, 2, 3]), 3);
  assert.deepEqual(out.data, ['9:0', '1:1', '1:2', '3:2', '2:0', '2:1']);
});

test('N larger than the number of classes is capped at it', () => {
  const out = classify(fp32([2, 4], [1, 2, 3, 4, 4, 3, 2, 1]), 10, LABELS);
  assert.deepEqual(out.shape, [2, 4]);
  assert.deepEqual(out.data, ['4:3:fish', '3:2:bird', '2:1:dog', '1:0:cat', '4:0:cat', '3:1:dog', '2:2:bird', '1:3:fish']);
});

test('a rank-1 output is one row and gives shape [N]', () => {
  const out = classify(fp32([4], [0.1, 0.9, 0.3, 0.2]), 2, LABELS);
  assert.deepEqual(out, { datatype: 'BYTES', shape: [2], data: ['0.9:1:dog', '0.3:2:bird'] });
});

test('a rank-0 output is one class and gives shape [1]', () => {
  assert.deepEqual(classify(fp32([], [0.5]), 3), { datatype: 'BYTES', shape: [1], data: ['0.5:0'] });
});

test('a batch of zero rows gives shape [0, 0]', () => {
  assert.deepEqual(classify(fp32([0, 4], []), 2), { datatype: 'BYTES', shape: [0, 0], data: [] });
});

test('float32 scores print as the shortest text that reads back as the same float32', () => {
  const scores = Float32Array.from([0.9, 0.1, 1 / 3, 123456.789]);
  assert.notEqual(scores[0], 0.9); // the float32 nearest 0.9 is 0.8999999761581421 as a double
  const out = classify({ datatype: 'FP32', shape: [1, 4], data: scores }, 4);
  assert.deepEqual(out.data, ['123456.79:3', '0.9:0', '0.33333334:2', '0.1:1']);
  for (const entry of out.data as string[]) {
    const [text, index] = entry.split(':');
    assert.equal(Math.fround(Number(text)), scores[Number(index)], entry);
  }
});

test('FP64 scores print with full double precision', () => {
  const out = classify({ datatype: 'FP64', shape: [1, 2], data: Float64Array.from([0.1, 1 / 3]) }, 2);
  assert.deepEqual(out.data, ['0.3333333333333333:1', '0.1:0']);
});

test('integer outputs rank numerically, INT64 included', () => {
  const ints = classify({ datatype: 'INT32', shape: [1, 3], data: Int32Array.from([-5, 10, 3]) }, 3);
  assert.deepEqual(ints.data, ['10:1', '3:2', '-5:0']);
  const bigs = classify({ datatype: 'INT64', shape: [1, 3], data: BigInt64Array.from([2n, -7n, 40n]) }, 2);
  assert.deepEqual(bigs.data, ['40:2', '2:0']);
});

test('FP16 scores rank and print by the half values, not their bits', () => {
  // 1, -2, 2, 0.099975586 (half nearest 0.1)
  const out = classify({ datatype: 'FP16', shape: [1, 4], data: Uint16Array.from([0x3c00, 0xc000, 0x4000, 0x2e66]) }, 4);
  assert.deepEqual(out.data, ['2:2', '1:0', '0.099975586:3', '-2:1']);
});

test('negative float scores rank below positive ones', () => {
  assert.deepEqual(classify(fp32([1, 3], [-0.5, -2, 0.25]), 3).data, ['0.25:2', '-0.5:0', '-2:1']);
});

test('classes beyond the label list print without a label', () => {
  assert.deepEqual(classify(fp32([1, 3], [1, 2, 3]), 3, ['a']).data, ['3:2', '2:1', '1:0:a']);
});

test('the input tensor is left unchanged', () => {
  const input = fp32([1, 3], [1, 3, 2]);
  classify(input, 2);
  assert.deepEqual(Array.from(input.data as Float32Array), [1, 3, 2]);
});
