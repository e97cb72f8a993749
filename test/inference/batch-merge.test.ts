// Merge/split of batched requests: exact round trips for every datatype, keys that keep unlike requests apart.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { batchKey, isBatchable, mergeInputs, rowsOf, splitOutputs } from '../../src/inference/batch-merge.js';
import { DATATYPE_INFO, DATATYPES, type Datatype, type Tensor } from '../../src/inference/tensor.js';

/** A tensor of `rows` x `width` whose values depend on `seed`, for any datatype. */
function tensor(datatype: Datatype, rows: number, width: number, seed: number): Tensor {
  const n = rows * width;
  const info = DATATYPE_INFO[datatype];
  if (info.array === null) return { datatype, shape: [rows, width], data: Array.from({ length: n }, (_, i) => `s${seed}-${i}-é`) };
  const data = new info.array(n);
  for (let i = 0; i < n; i++) {
    const v = (seed * 31 + i * 7) % 100;
    (data as unknown as (number | bigint)[])[i] = info.kind === 'bigint' ? BigInt(v) * (datatype === 'INT64' ? -1n : 1n) : info.kind === 'bool' ? v % 2 : info.kind === 'float' ? v / 3 : v;
  }
  return { datatype, shape: [rows, width], data };
}

describe('isBatchable', () => {
  const spec = (shape: number[]) => ({ name: 'x', datatype: 'FP32' as const, shape });
  const cases: [string, number[][], number[][], boolean][] = [
    ['every first dimension dynamic', [[-1, 4]], [[-1, 3], [-1]], true],
    ['a fixed first input dimension', [[2, 3]], [[-1, 3]], false],
    ['an output without a batch dimension', [[-1, 4]], [[-1, 3], [3]], false],
    ['a scalar input', [[]], [[-1]], false],
    ['a scalar output', [[-1]], [[]], false],
  ];
  for (const [what, inputs, outputs, expected] of cases) {
    test(`${expected ? 'accepts' : 'rejects'} ${what}`, () => {
      assert.equal(isBatchable({ inputs: inputs.map(spec), outputs: outputs.map(spec) }), expected);
    });
  }
});

describe('rowsOf and batchKey', () => {
  test('rows are the shared first dimension, null when inputs disagree', () => {
    assert.equal(rowsOf({ a: tensor('FP32', 3, 2, 1), b: tensor('INT64', 3, 1, 1) }), 3);
    assert.equal(rowsOf({ a: tensor('FP32', 3, 2, 1), b: tensor('INT64', 2, 1, 1) }), null);
    assert.equal(rowsOf({ a: { datatype: 'FP32', shape: [], data: new Float32Array(1) } }), null);
  });

  test('keys match across row counts and output order, and differ on inner dims or outputs', () => {
    const k = (rows: number, width: number, outputs: string[]) => batchKey({ a: tensor('FP32', rows, width, 0) }, outputs);
    assert.equal(k(1, 4, ['y', 'z']), k(7, 4, ['z', 'y']));
    assert.notEqual(k(1, 4, ['y']), k(1, 5, ['y']));
    assert.notEqual(k(1, 4, ['y']), k(1, 4, ['y', 'z']));
    const shaped = (shape: number[]) => batchKey({ a: { datatype: 'FP32', shape, data: new Float32Array(0) } }, ['y']);
    assert.notEqual(shaped([0, 4, 5]), shaped([0, 45]));
    assert.notEqual(shaped([0, 4]), shaped([0]));
  });
});

describe('mergeInputs and splitOutputs', () => {
  for (const datatype of DATATYPES) {
    test(`a merged ${datatype} batch splits back into exactly the members`, () => {
      const members = [1, 3, 0, 2].map((rows, seed) => ({ x: tensor(datatype, rows, 2, seed) }));
      const merged = mergeInputs(members);
      assert.deepEqual(merged.x.shape, [6, 2]);
      assert.equal(merged.x.data.constructor, members[0].x.data.constructor);
      const parts = splitOutputs({ y: merged.x }, members.map((m) => m.x.shape[0]));
      assert.ok(parts);
      parts.forEach((p, i) => assert.deepEqual({ ...p.y, data: Array.from(p.y.data as ArrayLike<unknown>) }, { ...members[i].x, data: Array.from(members[i].x.data as ArrayLike<unknown>) }));
    });
  }

  test('several inputs merge independently and outputs of several kinds split by rows', () => {
    const members = [2, 1].map((rows, seed) => ({ a: tensor('FP32', rows, 3, seed), k: tensor('INT64', rows, 1, seed), s: tensor('BYTES', rows, 2, seed) }));
    const merged = mergeInputs(members);
    assert.deepEqual([merged.a.shape, merged.k.shape, merged.s.shape], [[3, 3], [3, 1], [3, 2]]);
    const parts = splitOutputs({ a: merged.a, k: merged.k, s: merged.s }, [2, 1])!;
    assert.deepEqual(parts[1].s.data, members[1].s.data);
    assert.deepEqual(Array.from(parts[0].k.data as BigInt64Array), Array.from(members[0].k.data as BigInt64Array));
  });

  test('merged arrays are fresh: they own their buffers and never alias a member', () => {
    const members = [{ x: tensor('FP32', 1, 4, 1) }, { x: tensor('FP32', 2, 4, 2) }];
    const merged = mergeInputs(members).x.data as Float32Array;
    assert.equal(merged.byteOffset, 0);
    assert.equal(merged.byteLength, merged.buffer.byteLength);
    merged[0] = 999;
    assert.notEqual((members[0].x.data as Float32Array)[0], 999);
  });

  test('numeric splits are views of the batch output, not copies', () => {
    const out = tensor('FP64', 3, 2, 5);
    const parts = splitOutputs({ y: out }, [1, 2])!;
    assert.equal((parts[1].y.data as Float64Array).buffer, (out.data as Float64Array).buffer);
  });

  test('an output whose first dimension is not the batch cannot be split', () => {
    assert.equal(splitOutputs({ y: tensor('FP32', 4, 2, 0) }, [1, 2]), null);
    assert.equal(splitOutputs({ y: { datatype: 'FP32', shape: [], data: new Float32Array(1) } }, [1]), null);
  });
});
